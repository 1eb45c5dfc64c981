"""English and Chinese text of the training panel (keys prefixed ``train.``)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "train.err_memory": (
            "This shared Space is short of memory right now: try again in a minute, or train on your own machine "
            "with {cli}."
        ),
        "train.evicted": "This run was dropped from memory to make room for other visitors (this shared Space keeps the {most} most recently used runs). Its model is still in the Reverse tab and the download; press Start for a new run.",
        "train.longer": "For a longer run, train on your own machine (or a GPU): {cli}.",
        "train.session_spent": "Stopped: this session has used its {budget} of training on this shared Space. {longer}",
        "train.paused": "Paused at this Space's budget of {budget} of training per click (what was learned is kept: Resume continues)",
        "train.zerogpu": "Runs on a ZeroGPU GPU in chunks of at most {chunk:.0f} s of your GPU quota.",
        "train.estimate": "Estimated time on this {device}: **about {total}** ({per_step:.2f} s per step measured here, previews {previews}; longer while other visitors use the machine). This Space is shared: a click trains for at most {run} (Resume continues), a session for at most {session} in all.",
        "train.cpu": "CPU ({threads} threads, {precision})",
        "train.no_run": "No run is going in this session.",
        "train.stopping": "Stopping after the current chunk…",
        "train.one_click": "**One click reaches about step {step} of {steps}**; Resume continues from there.",
        "train.loss": " · loss {last:.5f} (last 20 steps: {mean:.5f})",
        "train.left": " · about {left} left",
        "train.preview": "Preview at step {step}: EMA {ema:.1f} dB, raw {raw:.1f} dB.",
        "train.status_line": "**{head}** · step {step} / {total}{loss} · {seconds:.0f} s on {device}{left}{psnr}",
        "train.h_starting": "Starting",
        "train.h_training": "Training",
        "train.h_error": "Stopped: {error}",
        "train.h_stopped": "Stopped (what was learned is kept: Resume continues)",
        "train.h_done": "Done",
        "train.h_tabs": ". Download the model below; the Reverse process tab now samples from it (the EMA choice)",
        "train.h_alone": ". Download the model below (on the main page, the Reverse process tab samples from it)",
        "train.step": "step {step}/{total}",
        "train.too_big": "Batch {batch} at {size} px is too much for one step on this shared CPU: at most batch {largest} at {size} px (batch x pixels <= {cap:,}). Larger batches run on a GPU, or on your own machine: {cli}",
        "train.err_running": "A run is still going in this session: stop it first.",
        "train.err_upload": "Upload an image first (or click one of the examples).",
        "train.err_nothing": "Nothing to resume yet: press Start first.",
        "train.err_still": "This run is still going: stop it first.",
        "train.err_push": "Train a model first: there is nothing to push yet.",
        "train.pushed": "Pushed to {url}",
        "train.tab": "5 · Training",
        "train.intro": (
            "## Fine-tune the UNet on your own image\n"
            "Training a diffusion model is one line of maths, repeated: pick a random t, noise the image to x_t "
            "with the closed form of the forward process, ask the network for its target, and step the weights "
            "down the squared error. Upload an image, press **Start**, and watch the loss fall and the samples "
            "turn into your image. Runs on the GPU when the Space has one (in short chunks, so a visitor's "
            "ZeroGPU quota is enough), otherwise on the CPU."
        ),
        "train.image": "Training image (converted to grayscale)",
        "train.examples": "Examples",
        "train.start_from": "Start from",
        "train.start_pretrained": "the pretrained model",
        "train.start_scratch": "scratch (random weights)",
        "train.net_full": "full (7.8 M parameters, the post's)",
        "train.net_small": "small (0.5 M)",
        "train.preset_ours": "ours",
        "train.preset_post": "as in the post",
        "train.pred_x0": "x0 (the clean image)",
        "train.pred_v": "v",
        "train.pred_eps": "eps (the noise, as in the post)",
        "train.network": "Network (from scratch only)",
        "train.prediction": "The network predicts",
        "train.prediction_why": (
            "**Why the target matters for one image.** With a single training image the best possible denoiser "
            "ignores x_t and returns that image. Predicting **x₀** makes this a constant target, learned in a few "
            "hundred steps. Predicting the noise **ε** (as in the post) hides the same answer behind "
            "ε = (x_t − √ᾱ_t x₀)/√(1−ᾱ_t), whose error is amplified by 1/√(1−ᾱ_t) at low noise: it takes many "
            "more steps. **v** = √ᾱ_t ε − √(1−ᾱ_t) x₀ is in between."
        ),
        "train.size": "Working resolution (pixels)",
        "train.preset": "Optimiser",
        "train.preset_info": (
            "*as in the post*: batch 1, AdamW 2e-4, weight decay 0.01, gradient clipping 1.0, its cosine LR "
            "with a 1000-step period, no EMA. *ours*: batch 2, AdamW 5e-4 with warm-up and cosine decay, "
            "clipping 1.0, EMA. Choosing one fills in the fields below."
        ),
        "train.steps": "Steps (Resume adds this many)",
        "train.lr": "Peak learning rate",
        "train.batch": "Batch size",
        "train.ema": "EMA decay (0 = no averaging)",
        "train.preview_every": "Preview every N steps",
        "train.waiting": "No run yet: press **Start**. The loss curve, samples from the EMA and raw weights and the download appear here.",
        "train.start": "Start",
        "train.stop": "Stop",
        "train.resume": "Resume",
        "train.status": "Status",
        "train.preview_ema": "Sample from the EMA weights",
        "train.preview_raw": "Sample from the raw weights",
        "train.download": "Download the model (Hub format: config.json, model.safetensors, README.md)",
        "train.ema_why": (
            "**EMA vs raw.** The raw weights jump with every noisy gradient step; the exponential moving average "
            "(EMA) smooths them and usually samples better, but early in a run it lags behind: compare the two "
            "previews. The decay is warmed up (min(decay, (1 + n)/(10 + n)) at update n) so a short run's average "
            "is not stuck at the start."
        ),
        "train.push_intro": (
            "### Share it on the Hugging Face Hub\n"
            "Your token is used for this one upload: it is not stored, logged or shown."
        ),
        "train.repo": "Repo id (owner/name)",
        "train.token": "Hugging Face write token",
        "train.private": "Private repo",
        "train.push": "Push to the Hub",
    },
    "zh": {
        "train.err_memory": "这个共享 Space 现在内存不足:请一分钟后再试,或在你自己的机器上用 {cli} 训练。",
        "train.evicted": "为了给其他访客腾出空间,这次训练已从内存中移除(这个共享 Space 只保留最近使用的 {most} 次训练)。它的模型仍在“反向过程”标签页和下载文件中;按“开始”可重新训练。",
        "train.longer": "想训练更久,请在自己的机器(或 GPU)上运行:{cli}。",
        "train.session_spent": "已停止:本会话已用完这个共享 Space 的 {budget} 训练时间。{longer}",
        "train.paused": "已暂停:这个 Space 每次点击最多训练 {budget}(学到的会保留:按“继续”接着训练)",
        "train.zerogpu": "在 ZeroGPU 上运行,每段最多使用你 GPU 配额中的 {chunk:.0f} 秒。",
        "train.estimate": "在这台 {device} 上预计:**约 {total}**(此处实测每步 {per_step:.2f} 秒,预览 {previews};其他访客同时使用时会更久)。这个 Space 是共享的:每次点击最多训练 {run}(可按“继续”),每个会话总共最多 {session}。",
        "train.cpu": "CPU({threads} 线程,{precision})",
        "train.no_run": "这个会话里没有正在进行的训练。",
        "train.stopping": "当前这一段结束后停止……",
        "train.one_click": "**一次点击大约训练到第 {step} 步(共 {steps} 步)**;按“继续”从那里接着训练。",
        "train.loss": " · 损失 {last:.5f}(最近 20 步:{mean:.5f})",
        "train.left": " · 约剩 {left}",
        "train.preview": "第 {step} 步的预览:EMA {ema:.1f} dB,原始权重 {raw:.1f} dB。",
        "train.status_line": "**{head}** · 第 {step} / {total} 步{loss} · 在 {device} 上用时 {seconds:.0f} 秒{left}{psnr}",
        "train.h_starting": "开始中",
        "train.h_training": "训练中",
        "train.h_error": "已停止:{error}",
        "train.h_stopped": "已停止(学到的会保留:按“继续”接着训练)",
        "train.h_done": "完成",
        "train.h_tabs": "。可在下方下载模型;“反向过程”标签页现在会从它采样(选择 EMA 时)",
        "train.h_alone": "。可在下方下载模型(在主页面上,“反向过程”标签页会从它采样)",
        "train.step": "第 {step}/{total} 步",
        "train.too_big": "在 {size} 像素下批大小 {batch} 对这台共享 CPU 的一步来说太大:{size} 像素下最多批大小 {largest}(批大小 × 像素数 <= {cap:,})。更大的批次请在 GPU 或自己的机器上运行:{cli}",
        "train.err_running": "本会话还有一次训练在进行:请先停止它。",
        "train.err_upload": "请先上传一张图像(或点击一个示例)。",
        "train.err_nothing": "还没有可以继续的训练:请先按“开始”。",
        "train.err_still": "这次训练还在进行:请先停止它。",
        "train.err_push": "请先训练一个模型:现在还没有可以推送的内容。",
        "train.pushed": "已推送到 {url}",
        "train.tab": "5 · 训练",
        "train.intro": (
            "## 用你自己的图片微调 UNet\n"
            "训练扩散模型就是反复执行一行数学:随机选一个 t,用前向过程的闭式解把图片加噪成 x_t,让网络预测目标,"
            "再沿平方误差的梯度更新权重。上传一张图片,点击 **开始**,看损失下降、样本逐渐变成你的图片。"
            "Space 有 GPU 时在 GPU 上运行(分成短块,访客的 ZeroGPU 配额就够用),否则在 CPU 上运行。"
        ),
        "train.image": "训练图片(转为灰度)",
        "train.examples": "示例",
        "train.start_from": "起点",
        "train.start_pretrained": "预训练模型",
        "train.start_scratch": "从零开始(随机权重)",
        "train.net_full": "完整(780 万参数,原文的网络)",
        "train.net_small": "小型(50 万参数)",
        "train.preset_ours": "我们的设置",
        "train.preset_post": "原文设置",
        "train.pred_x0": "x0(干净图片)",
        "train.pred_v": "v",
        "train.pred_eps": "eps(噪声,原文的做法)",
        "train.network": "网络(仅从零开始时)",
        "train.prediction": "网络预测的目标",
        "train.prediction_why": (
            "**为什么目标对单张图片很重要。** 只有一张训练图片时,最优去噪器会忽略 x_t,直接输出这张图片。"
            "预测 **x₀** 时这是一个常数目标,几百步就能学会。预测噪声 **ε**(原文的做法)把同一个答案藏在 "
            "ε = (x_t − √ᾱ_t x₀)/√(1−ᾱ_t) 之后,低噪声时误差被 1/√(1−ᾱ_t) 放大:需要多得多的步数。"
            "**v** = √ᾱ_t ε − √(1−ᾱ_t) x₀ 介于两者之间。"
        ),
        "train.size": "工作分辨率(像素)",
        "train.preset": "优化器",
        "train.preset_info": (
            "*原文设置*:批大小 1,AdamW 2e-4,权重衰减 0.01,梯度裁剪 1.0,周期 1000 步的余弦学习率,没有 EMA。"
            "*我们的设置*:批大小 2,AdamW 5e-4,带预热和余弦衰减,裁剪 1.0,使用 EMA。选择后会填好下面的参数。"
        ),
        "train.steps": "步数(继续训练时再加这么多步)",
        "train.lr": "峰值学习率",
        "train.batch": "批大小",
        "train.ema": "EMA 衰减(0 = 不做平均)",
        "train.preview_every": "每 N 步预览一次",
        "train.waiting": "还没有训练:请按 **开始**。损失曲线、EMA 与原始权重的样本以及下载会出现在这里。",
        "train.start": "开始",
        "train.stop": "停止",
        "train.resume": "继续",
        "train.status": "状态",
        "train.preview_ema": "EMA 权重的样本",
        "train.preview_raw": "原始权重的样本",
        "train.download": "下载模型(Hub 格式:config.json、model.safetensors、README.md)",
        "train.ema_why": (
            "**EMA 与原始权重。** 原始权重随每一步带噪声的梯度跳动;指数移动平均(EMA)把它们平滑,通常采样更好,"
            "但在训练初期会落后:对比两个预览。衰减率带预热(第 n 次更新用 min(decay, (1 + n)/(10 + n))),"
            "所以短时间训练的平均值不会停留在起点。"
        ),
        "train.push_intro": "### 分享到 Hugging Face Hub\n你的令牌只用于这一次上传:不会被保存、记录或显示。",
        "train.repo": "仓库 id(owner/name)",
        "train.token": "Hugging Face 写入令牌",
        "train.private": "私有仓库",
        "train.push": "推送到 Hub",
    },
}
