"""English and Chinese text of the reverse-process panel (keys prefixed ``reverse.``)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "reverse.inv_upload": "Upload an image (or pick an example) to invert.",
        "reverse.inv_status": "DDIM-{n} both ways · round trip **{psnr:.1f} dB** · noise std {std:g} (N(0, 1) has 1) · {elapsed:.1f} s",
        "reverse.err_weights": "Weights must be ema or raw, got {got!r}.",
        "reverse.err_raw": "Raw weights are only shipped with the bundled model; choose ema.",
        "reverse.dropped": (
            "{name}, not yours: your model was dropped from memory to make room for other visitors (this shared "
            "Space holds the {most} most recently used visitors' models). Load it again, or fine-tune again in the "
            "Training tab."
        ),
        "reverse.err_memory": (
            "This shared Space is short of memory right now: try again in a minute, or run the app locally "
            "(README: Quickstart)."
        ),
        "reverse.err_sampler": "Sampler must be DDIM or DDPM, got {got!r}.",
        "reverse.err_first": "Generate an image first.",
        "reverse.err_scrub": "Generate an image first: the scrubber walks through its stored steps.",
        "reverse.err_kind": "Comparison must be one of {names}, got {got!r}.",
        "reverse.err_hub": "{error} The bundled model is still in use.",
        "reverse.hub_ok": "{note} Sampling from it in this session (the EMA choice).",
        "reverse.post_grid_tag": " (post grid)",
        "reverse.step": "step {i}/{n}",
        "reverse.done": "**{caption}** · {elapsed:.2f} s (network {model:.2f} s in {precision}, {share:.0%}) · {name}",
        "reverse.stored": "stored step {i}/{n} · t = {t}",
        "reverse.stored_psnr": " · predicted x₀ {psnr:.1f} dB",
        "reverse.w_ema": "ema (averaged weights)",
        "reverse.w_raw": "raw (last training step)",
        "reverse.tab": "4 · Reverse process",
        "reverse.intro": (
            "## The reverse process: from noise back to an image\n"
            "Generation runs the forward chain backwards. Start from pure noise x_T ~ N(0, I); at each step the UNet "
            "looks at x_t and t and predicts the clean image x̂₀ (this model was trained to predict x₀ directly); the "
            "sampler then moves x_t to a slightly less noisy xₜ′. Left: x_t. Right: the network's current guess "
            "of x₀. The bundled model learned one image (Grace Hopper, 128 × 128), so every seed leads back to it: "
            "what you watch is how the samplers get there."
        ),
        "reverse.sampler": "Sampler",
        "reverse.steps": "Steps (network evaluations)",
        "reverse.eta": "η (DDIM only: 0 = deterministic, 1 = as random as DDPM)",
        "reverse.seed": "Seed (the starting noise)",
        "reverse.weights": "Weights: ema = the moving average of the training weights (smoother, the default), raw = the last step's",
        "reverse.post_grid": "Use the source post's timestep grid (t = N−1 … 0)",
        "reverse.run": "Generate",
        "reverse.stop": "Stop",
        "reverse.x_t": "x_t",
        "reverse.x0": "predicted x₀",
        "reverse.final": "Final image",
        "reverse.eps": "noise estimate ε̂",
        "reverse.scrub": "Revisit any stored step",
        "reverse.gif": "The trajectory (x_t | predicted x₀) as a GIF",
        "reverse.compare_intro": "### Comparisons from the same starting noise",
        "reverse.kind": "Compare",
        "reverse.compare_run": "Compare",
        "reverse.gallery": "Samples (PSNR to the training image in the captions)",
        "reverse.inv_intro": (
            "### DDIM inversion: which noise does an image come from?\n"
            "With η = 0 the DDIM sampler is a deterministic map from noise x_T to an image. Run it backwards (from "
            "x₀ up to x_T, re-using the network's noise estimate at each step) and you get the noise an image comes "
            "from; run DDIM forwards from that noise and you should land on the image again."
        ),
        "reverse.inv_image": "Image to invert (resized to the model's 128 × 128 grayscale)",
        "reverse.inv_examples": "Examples: the image the model learned, and one it never saw",
        "reverse.inv_run": "Invert and come back",
        "reverse.inv_steps": "DDIM steps (each way)",
        "reverse.inv_columns": "The image · its noise x_T (±3 as black and white) · DDIM back from it · DDIM from the mixed noise",
        "reverse.inv_why": (
            "**What to look for.** Grace Hopper, the image this model learned, comes back almost exactly (about "
            "51 dB) from noise of about N(0, 1)'s size: its std is about 0.8, a little narrower than the 1 that "
            "sampling starts from (the status gives it). Any other image does not: this model can only make Grace "
            'Hopper, so its "noise" is not Gaussian at all (std in the tens or more) and DDIM brings it back as '
            "Grace Hopper. Mixing in a second seed's noise changes nothing either: every noise leads to the one image. "
            "The digits model (choose it above) generalises, and there inversion and mixing really edit the digit."
        ),
        "reverse.hub_intro": "### Another model from the Hugging Face Hub (this session only)",
        "reverse.repo": "Hub repo id (owner/name); empty = the bundled model",
        "reverse.revision": "Revision (branch, tag or commit)",
        "reverse.load": "Load",
        "reverse.why": (
            "### The DDIM update, and what η does\n"
            "With ᾱ the cumulative signal fraction of the schedule, one DDIM step from t to an earlier t' computes\n\n"
            "x̂₀ = the network's prediction (clipped to [−1, 1]),  ε̂ = (x_t − √ᾱ_t · x̂₀) / √(1 − ᾱ_t),\n\n"
            "**xₜ′ = √ᾱₜ′ · x̂₀ + √(1 − ᾱₜ′ − σ²) · ε̂ + σ · z**,  σ = η · √((1 − ᾱₜ′) / (1 − ᾱ_t)) · √(1 − ᾱ_t / ᾱₜ′),\n\n"
            "the formula in the source post (Song et al. 2021, eqs. 12 and 16). It re-noises the predicted image to the "
            "noise level of t', reusing the predicted noise ε̂. With **η = 0** (σ = 0) no fresh noise is added: the "
            "path from x_T is deterministic and a few steps suffice. With **η = 1** the step samples the DDPM posterior: "
            "fresh noise z at every step, which needs more steps.\n\n"
            "**Why the grid must start at T − 1 (the post's bug).** The post's `generate(steps=N)` walks t = N−1, …, 0. "
            "For N = T = 1000 that is every step. For N = 50 it starts at t = 49, where the network expects an image "
            "that is still 99 % signal, but it is handed pure noise. With the post's noise-predicting network the "
            "result is noise with a little structure. Our bundled model predicts x₀ and knows a single image, so it "
            "repaints that image whatever x_t looks like: its final image survives the wrong grid (the *post-grid* "
            "comparison loses at most about half a dB), but watch x_t while it streams: it stays noise until the last "
            "step, because every step believed it was almost done. A sampler with fewer steps must use a sub-grid of [0, T−1] that "
            "starts at T − 1 (here: evenly spaced from 999 to 0)."
        ),
    },
    "zh": {
        "reverse.inv_upload": "请上传一张图像(或选一个示例)来反演。",
        "reverse.inv_status": "DDIM-{n} 双向 · 往返 **{psnr:.1f} dB** · 噪声标准差 {std:g}(N(0, 1) 为 1)· {elapsed:.1f} 秒",
        "reverse.err_weights": "权重必须是 ema 或 raw,收到的是 {got!r}。",
        "reverse.err_raw": "只有内置模型附带原始权重;请选择 ema。",
        "reverse.dropped": (
            "{name},不是你的模型:为了给其他访客腾出空间,你的模型已从内存中移除(这个共享 Space 只保留最近使用的 "
            "{most} 位访客的模型)。请重新加载,或在“训练”标签页重新微调。"
        ),
        "reverse.err_memory": "这个共享 Space 现在内存不足:请一分钟后再试,或在本地运行这个应用(README:快速开始)。",
        "reverse.err_sampler": "采样器必须是 DDIM 或 DDPM,收到的是 {got!r}。",
        "reverse.err_first": "请先生成一张图像。",
        "reverse.err_scrub": "请先生成一张图像:滑块用来浏览它保存下来的各步。",
        "reverse.err_kind": "对比必须是 {names} 之一,收到的是 {got!r}。",
        "reverse.err_hub": "{error} 仍在使用内置模型。",
        "reverse.hub_ok": "{note} 本次会话将从它采样(选择 EMA 时)。",
        "reverse.post_grid_tag": "(原文的时间步网格)",
        "reverse.step": "第 {i}/{n} 步",
        "reverse.done": "**{caption}** · {elapsed:.2f} 秒(网络 {model:.2f} 秒,{precision},占 {share:.0%})· {name}",
        "reverse.stored": "已保存的第 {i}/{n} 步 · t = {t}",
        "reverse.stored_psnr": " · 预测的 x₀ {psnr:.1f} dB",
        "reverse.w_ema": "ema(平均后的权重)",
        "reverse.w_raw": "raw(最后一步训练的权重)",
        "reverse.tab": "4 · 逆向过程",
        "reverse.intro": (
            "## 逆向过程:从噪声回到图像\n"
            "生成就是把前向链倒着走。从纯噪声 x_T ~ N(0, I) 出发;每一步 UNet 看到 x_t 和 t,预测干净图像 x̂₀"
            "(这个模型被训练成直接预测 x₀);采样器再把 x_t 移到噪声稍少的 xₜ′。左边是 x_t,右边是网络当前对 x₀ 的猜测。"
            "内置模型只学了一张图像(Grace Hopper,128 × 128),所以任何随机种子最后都回到这张图:你看到的是各种采样器如何到达那里。"
        ),
        "reverse.sampler": "采样器",
        "reverse.steps": "步数(网络调用次数)",
        "reverse.eta": "η(仅 DDIM:0 = 确定性,1 = 与 DDPM 一样随机)",
        "reverse.seed": "随机种子(初始噪声)",
        "reverse.weights": "权重:ema = 训练权重的滑动平均(更平滑,默认),raw = 最后一步的权重",
        "reverse.post_grid": "使用原文的时间步网格(t = N−1 … 0)",
        "reverse.run": "生成",
        "reverse.stop": "停止",
        "reverse.x_t": "x_t",
        "reverse.x0": "预测的 x₀",
        "reverse.final": "最终图像",
        "reverse.eps": "估计的噪声 ε̂",
        "reverse.scrub": "回看任意已保存的步骤",
        "reverse.gif": "整个轨迹(x_t | 预测的 x₀)的 GIF",
        "reverse.compare_intro": "### 从同一初始噪声出发的比较",
        "reverse.kind": "比较",
        "reverse.compare_run": "比较",
        "reverse.gallery": "样本(标题中为与训练图像的 PSNR)",
        "reverse.inv_intro": (
            "### DDIM 反演:一张图像来自哪个噪声?\n"
            "η = 0 时 DDIM 采样器是从噪声 x_T 到图像的确定性映射。把它倒过来运行(从 x₀ 一直到 x_T,每一步复用网络估计的噪声),"
            "就得到这张图像来自的噪声;再从这个噪声正向运行 DDIM,应该又回到这张图像。"
        ),
        "reverse.inv_image": "要反演的图像(缩放为模型的 128 × 128 灰度图)",
        "reverse.inv_examples": "示例:模型学过的图像,和它没见过的图像",
        "reverse.inv_run": "反演并回来",
        "reverse.inv_steps": "DDIM 步数(每个方向)",
        "reverse.inv_columns": "图像 · 它的噪声 x_T(±3 显示为黑白)· 从它 DDIM 回来 · 从混合后的噪声 DDIM 生成",
        "reverse.inv_why": (
            "**看点。** 这个模型学过的 Grace Hopper 几乎完全回来了(约 51 dB),它对应的噪声与 N(0, 1) 大小相近:"
            "标准差约 0.8,比采样出发时的 1 略窄(状态栏给出确切值)。"
            "其他图像则不行:这个模型只会画 Grace Hopper,所以它找到的“噪声”根本不是高斯噪声(标准差达数十甚至更大),"
            "DDIM 又把它变回 Grace Hopper。混入第二个种子的噪声也不会改变什么:每个噪声都通向这一张图像。"
            "数字模型(在上面选择)能够泛化,在那里反演和混合真的能编辑数字。"
        ),
        "reverse.hub_intro": "### 从 Hugging Face Hub 加载其他模型(仅本次会话)",
        "reverse.repo": "Hub 仓库 id(owner/name);留空 = 内置模型",
        "reverse.revision": "版本(分支、标签或提交)",
        "reverse.load": "加载",
        "reverse.why": (
            "### DDIM 的更新公式,以及 η 的作用\n"
            "记 ᾱ 为调度的累积信号比例,DDIM 从 t 到更早的 t' 的一步计算:\n\n"
            "x̂₀ = 网络的预测(截断到 [−1, 1]),ε̂ = (x_t − √ᾱ_t · x̂₀) / √(1 − ᾱ_t),\n\n"
            "**xₜ′ = √ᾱₜ′ · x̂₀ + √(1 − ᾱₜ′ − σ²) · ε̂ + σ · z**,σ = η · √((1 − ᾱₜ′) / (1 − ᾱ_t)) · √(1 − ᾱ_t / ᾱₜ′),\n\n"
            "即原文给出的公式(Song 等,2021,式 12 与式 16)。它把预测的图像重新加噪到 t' 的噪声水平,并复用预测的噪声 ε̂。"
            "**η = 0**(σ = 0)时不加入新噪声:从 x_T 出发的路径是确定的,少量步数就够。**η = 1** 时这一步就是从 DDPM 的后验中采样:"
            "每一步都有新噪声 z,需要更多步数。\n\n"
            "**为什么网格必须从 T − 1 开始(原文的 bug)。** 原文的 `generate(steps=N)` 走的是 t = N−1, …, 0。"
            "N = T = 1000 时这正好是每一步;但 N = 50 时它从 t = 49 开始,网络在这里期望的是仍有 99% 信号的图像,拿到的却是纯噪声。"
            "用原文那种预测噪声的网络,结果是带一点结构的噪声。我们的内置模型直接预测 x₀,而且只认识一张图像,"
            "所以不管 x_t 是什么它都会把这张图重新画出来:最终图像在错误的网格下也能保住(*post-grid* 比较最多只低约 0.5 dB),"
            "但请观察流式显示的 x_t:它一直是噪声,直到最后一步,因为每一步都以为自己快完成了。"
            "步数较少的采样器必须使用 [0, T−1] 上从 T − 1 开始的子网格(这里:从 999 到 0 均匀分布)。"
        ),
    },
}
