"""English and Chinese text of the digits model (the reverse panel's second model; keys prefixed ``digits.``)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "digits.step": "step {i}/{n}",
        "digits.done": "**{run}**, w = {w:g} · {elapsed:.2f} s in {precision} · the classifier reads {read}",
        "digits.done_share": " ({share:.0%} are {y})",
        "digits.are": "{k}/8 are {y}",
        "digits.labels_rows": "labels, row by row: {rows}",
        "digits.inv_status": "DDIM-{steps} inversion of {digits}: round trip {psnr} dB · noise std {std:.2f} (N(0, 1) has 1)",
        "digits.inside_text": "digit {y} at t = {t} · {shapes}",
        "digits.memo_text": "one-image model: mean distance to its training image {one:.3f} · digits model: mean distance to the nearest of 8,192 training digits {dig:.3f} (RMS on [−1, 1])",
        "digits.model": "Model",
        "digits.model_digits": "digits: a data set (generates)",
        "digits.model_one": "one image, as in the post (memorises)",
        "digits.intro": (
            "## A model that generates: digits\n"
            "This UNet (same code as the post's, smaller, 1.4 M parameters) was trained on an unlimited stream of "
            "32 × 32 digits rendered from 22 fonts with random size, slant, rotation, stroke weight and blur. Each "
            "seed is a different starting noise, so each one becomes a **different** digit: sixteen seeds are "
            "sampled together below, one batched network call per step. Pick a digit to draw it, and turn up "
            "**guidance** to push the samples further towards it."
        ),
        "digits.label": "Digit to draw",
        "digits.any": "any digit (unconditional)",
        "digits.guidance": "Guidance w: (1 + w)·conditional − w·unconditional",
        "digits.steps": "Steps (network evaluations)",
        "digits.sampler": "Sampler",
        "digits.eta": "η (DDIM only: 0 = deterministic)",
        "digits.seed": "First seed (the 16 samples use seeds s … s + 15)",
        "digits.run": "Generate 16 digits",
        "digits.stop": "Stop",
        "digits.x_t": "x_t of the 16 seeds",
        "digits.x0": "predicted x₀ (final: the samples)",
        "digits.near": "nearest training example of each sample",
        "digits.eps": "the network's noise estimate ε̂ (what it was trained to find)",
        "digits.numbers": "Numbers (for the API)",
        "digits.memo": (
            "**Memorisation or generalisation?** Under each sample sits the training example closest to it (of the "
            "first 8,192 the model saw), for the digit you draw above. The one-image model's samples *are* its "
            "training image (distance ≈ 0): it memorised. The digits model's samples are new: each is about as far from its nearest training digit as "
            "a fresh real digit is, so it learned what digits look like, not a list of them."
        ),
        "digits.memo_alt": "Rows, top to bottom: four samples of the one-image model; under each, its training image; four digit samples; under each, the nearest training digit.",
        "digits.memo_run": "Memorisation vs generalisation",
        "digits.compare_intro": "### Comparisons from the same 8 starting noises",
        "digits.kind": "Compare",
        "digits.kind_steps": "step counts (DDIM 1, 2, 5, 10, 20, 50)",
        "digits.kind_eta": "η (DDIM-20, η = 0, 0.5, 1)",
        "digits.kind_ddpm": "DDPM vs DDIM (50 steps; DDPM-200)",
        "digits.kind_guidance": "guidance w = 0, 1, 3, 7 (too weak → too strong)",
        "digits.compare_run": "Compare",
        "digits.gallery": "Each tile: 8 samples of one setting (captions: how many the classifier recognises)",
        "digits.inv_intro": (
            "### Running it backwards: DDIM inversion\n"
            "With η = 0 the sampler is a deterministic map from noise to digits, and it can be run the other way: "
            "from a real digit up to the noise x_T that would produce it. Going back down returns the digit (the "
            "round trip's PSNR says how closely). Then edit the noise: re-generate it as another digit, with guidance, "
            "or rotate it part of the way towards a second seed's noise, and watch style and shape carry over. Look at "
            "the noise itself: the digit's outline survives in it and its spread is below N(0, 1)'s, so a real "
            "digit's noise is not quite what the sampler usually starts from."
        ),
        "digits.inv_seed": "Which 4 fresh digits (a seed)",
        "digits.inv_label": "Re-generate as",
        "digits.inv_same": "the same digit",
        "digits.inv_mix_seed": "Second seed (to mix in)",
        "digits.inv_mix": "Mix towards the second seed's noise (0 = none, 1 = all)",
        "digits.inv_run": "Invert and re-generate",
        "digits.inv_columns": "Each row: a real digit · its noise x_T · DDIM back from it · re-generated from that noise",
        "digits.inside_intro": (
            "### Inside the UNet\n"
            "One forward pass of this model, level by level, for a digit noised to x_t: each level's convolutions "
            "turn the image into more, smaller feature maps (32 → 64 → 128 channels at 32 → 16 → 8 pixels), the "
            "bottleneck sees the whole digit at 4 × 4, and the way up adds each down level's output back in (the skip "
            "connections) until a 1-channel v comes out. The time (and label) embedding is added inside every block: "
            "that is how one network serves every t."
        ),
        "digits.inside_t": "Timestep t of x_t",
        "digits.inside_run": "Look inside",
        "digits.inside_table": (
            "| level | channels | size |\n|---|---|---|\n| down 1 ↘ | 32 | 32 × 32 |\n| down 2 ↘ | 64 | 16 × 16 |\n"
            "| down 3 ↘ | 128 | 8 × 8 |\n| bottleneck | 128 | 4 × 4 |\n| up 3 ↗ (+ down 3) | 128 | 8 × 8 |\n"
            "| up 2 ↗ (+ down 2) | 64 | 16 × 16 |\n| up 1 ↗ (+ down 1) | 32 | 32 × 32 |\n"
            "\nThe post's model is the same shape at 64 → 128 → 256, bottleneck 512, on 128 × 128 images."
        ),
        "digits.examples_intro": "### The training data: browse it",
        "digits.examples_seed": "Batch number of the training stream",
        "digits.examples_run": "Show 64 training examples",
        "digits.examples": "Training examples (label under each)",
        "digits.why": (
            "### Why this model predicts v, and what guidance does\n"
            "The one-image model predicts x₀ because its answer never changes. With a data set, the best guess of x₀ "
            "from very noisy x_t is a blurry average of many digits, and an x₀ target weighs those steps badly; the "
            "noise ε and **v = √ᾱ·ε − √(1−ᾱ)·x₀** are unit-size targets at every t, and v stays informative near "
            "t = T where ε-prediction divides by √ᾱ ≈ 0. **Classifier-free guidance:** during training 10 % of the "
            "labels were replaced by a *no label* token, so the same network knows p(x | digit) and p(x). Sampling "
            "uses (1 + w)·(conditional output) − w·(unconditional output): w = 0 is the plain conditional model, "
            "larger w exaggerates what makes a 3 a 3 — a little helps, too much distorts (see the comparison)."
        ),
    },
    "zh": {
        "digits.step": "第 {i}/{n} 步",
        "digits.done": "**{run}**,w = {w:g} · {elapsed:.2f} 秒({precision})· 分类器读出 {read}",
        "digits.done_share": "({share:.0%} 是 {y})",
        "digits.are": "{k}/8 是 {y}",
        "digits.labels_rows": "标签(逐行):{rows}",
        "digits.inv_status": "对 {digits} 做 DDIM-{steps} 反演:往返 {psnr} dB · 噪声标准差 {std:.2f}(N(0, 1) 为 1)",
        "digits.inside_text": "数字 {y},t = {t} · {shapes}",
        "digits.memo_text": "单图模型:与它的训练图像的平均距离 {one:.3f} · 数字模型:与 8,192 个训练数字中最近者的平均距离 {dig:.3f}(在 [−1, 1] 上的均方根)",
        "digits.model": "模型",
        "digits.model_digits": "数字:一个数据集(会生成)",
        "digits.model_one": "一张图像,与原文相同(会记忆)",
        "digits.intro": (
            "## 一个真正会生成的模型:手写风格数字\n"
            "这个 UNet(与原文同一份代码,更小,140 万参数)在一个无限的数据流上训练:用 22 种字体渲染的 32 × 32 数字,"
            "随机改变大小、倾斜、旋转、笔画粗细和模糊。每个随机种子是不同的初始噪声,因此会变成**不同的**数字:"
            "下面 16 个种子一起采样,每一步只调用一次(批量的)网络。选择一个数字就能画出它;调高**引导强度**会把样本更用力地推向它。"
        ),
        "digits.label": "要画的数字",
        "digits.any": "任意数字(无条件)",
        "digits.guidance": "引导强度 w:(1 + w)·有条件 − w·无条件",
        "digits.steps": "步数(网络调用次数)",
        "digits.sampler": "采样器",
        "digits.eta": "η(仅 DDIM:0 = 确定性)",
        "digits.seed": "起始种子(16 个样本使用种子 s … s + 15)",
        "digits.run": "生成 16 个数字",
        "digits.stop": "停止",
        "digits.x_t": "16 个种子的 x_t",
        "digits.x0": "预测的 x₀(最后即为样本)",
        "digits.near": "每个样本最接近的训练样例",
        "digits.eps": "网络估计的噪声 ε̂(它被训练去找出的东西)",
        "digits.numbers": "数值(供 API 使用)",
        "digits.memo": (
            "**是记忆还是泛化?** 每个样本下方是与它最接近的训练样例(在模型见过的前 8,192 个中查找),数字跟随上面选择要画的数字。"
            "单图模型的样本*就是*它的训练图像(距离 ≈ 0):它记住了。数字模型的样本是新的:每个样本与最近训练数字的距离,"
            "和一个全新的真实数字差不多,所以它学到的是数字长什么样,而不是一张数字清单。"
        ),
        "digits.memo_alt": "从上到下各行:单图模型的四个样本;每个下方是它的训练图像;四个数字样本;每个下方是最接近的训练数字。",
        "digits.memo_run": "记忆与泛化",
        "digits.compare_intro": "### 从同样 8 个初始噪声出发的比较",
        "digits.kind": "比较",
        "digits.kind_steps": "步数(DDIM 1、2、5、10、20、50)",
        "digits.kind_eta": "η(DDIM-20,η = 0、0.5、1)",
        "digits.kind_ddpm": "DDPM 与 DDIM(50 步;DDPM-200)",
        "digits.kind_guidance": "引导强度 w = 0、1、3、7(太弱 → 太强)",
        "digits.compare_run": "比较",
        "digits.gallery": "每一格:同一设置下的 8 个样本(标题:分类器认出了几个)",
        "digits.inv_intro": (
            "### 倒着运行:DDIM 反演\n"
            "η = 0 时采样器是一个从噪声到数字的确定性映射,它也可以反过来运行:从一个真实数字出发,一直走到能生成它的噪声 x_T。"
            "再走回来就得到原来的数字(往返的 PSNR 表示有多接近)。然后编辑这个噪声:把它重新生成为另一个数字、加上引导,"
            "或者把它朝第二个种子的噪声旋转一部分,看看风格和形状如何保留下来。"
            "再看看噪声本身:数字的轮廓还留在里面,它的离散程度也小于 N(0, 1),所以真实数字反演得到的噪声并不完全是采样器平常的起点。"
        ),
        "digits.inv_seed": "选哪 4 个全新数字(一个种子)",
        "digits.inv_label": "重新生成为",
        "digits.inv_same": "同一个数字",
        "digits.inv_mix_seed": "第二个种子(用于混合)",
        "digits.inv_mix": "朝第二个种子的噪声混合(0 = 不混合,1 = 全部)",
        "digits.inv_run": "反演并重新生成",
        "digits.inv_columns": "每一行:一个真实数字 · 它的噪声 x_T · 从它 DDIM 回来 · 从这个噪声重新生成",
        "digits.inside_intro": (
            "### UNet 的内部\n"
            "把一个加噪到 x_t 的数字送进这个模型,逐层看一次前向计算:每一层的卷积把图像变成更多、更小的特征图"
            "(32 → 64 → 128 个通道,对应 32 → 16 → 8 像素),瓶颈层在 4 × 4 上看到整个数字,上行的每一层再把对应下行层的输出加回来"
            "(跳跃连接),最后输出 1 个通道的 v。时间(和标签)嵌入被加进每一个模块:一个网络就是这样同时服务所有的 t。"
        ),
        "digits.inside_t": "x_t 的时间步 t",
        "digits.inside_run": "看看内部",
        "digits.inside_table": (
            "| 层 | 通道 | 尺寸 |\n|---|---|---|\n| 下行 1 ↘ | 32 | 32 × 32 |\n| 下行 2 ↘ | 64 | 16 × 16 |\n"
            "| 下行 3 ↘ | 128 | 8 × 8 |\n| 瓶颈 | 128 | 4 × 4 |\n| 上行 3 ↗(+ 下行 3)| 128 | 8 × 8 |\n"
            "| 上行 2 ↗(+ 下行 2)| 64 | 16 × 16 |\n| 上行 1 ↗(+ 下行 1)| 32 | 32 × 32 |\n"
            "\n原文的模型形状相同,通道为 64 → 128 → 256,瓶颈 512,处理 128 × 128 的图像。"
        ),
        "digits.examples_intro": "### 训练数据:浏览一下",
        "digits.examples_seed": "训练数据流中的批次编号",
        "digits.examples_run": "显示 64 个训练样例",
        "digits.examples": "训练样例(下方为标签)",
        "digits.why": (
            "### 为什么这个模型预测 v,以及引导做了什么\n"
            "单图模型预测 x₀,因为它的答案永远不变。换成数据集后,从噪声很大的 x_t 对 x₀ 的最佳猜测是许多数字的模糊平均,"
            "x₀ 目标会错误地加权这些步骤;噪声 ε 与 **v = √ᾱ·ε − √(1−ᾱ)·x₀** 在每个 t 上都是单位大小的目标,"
            "而且 v 在 t 接近 T 时仍有信息,此时 ε 预测要除以 √ᾱ ≈ 0。**无分类器引导:** 训练时 10% 的标签被替换成"
            "*无标签* 记号,所以同一个网络同时学会 p(x | 数字) 和 p(x)。采样时使用 (1 + w)·(有条件输出) − w·(无条件输出):"
            "w = 0 就是普通的有条件模型,w 越大越夸大“3 之所以是 3”的特征——适度有帮助,过大会变形(见比较)。"
        ),
    },
}
