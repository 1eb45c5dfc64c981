"""English and Chinese text of the training panel (keys prefixed ``train.``)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
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
