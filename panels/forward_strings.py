"""English and Chinese text of the forward-process panel (keys prefixed ``forward.``)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "forward.err_upload": "Upload an image first (or click one of the examples).",
        "forward.err_size": "Size must be one of {sizes} pixels, got {got!r}.",
        "forward.err_schedule": "Schedule must be one of {names}, got {got!r}.",
        "forward.err_t": "Timestep t must be between 0 and T - 1 = {last}, got {got}.",
        "forward.err_list": "Timesteps must be a comma-separated list of whole numbers, e.g. 0, 100, 500, 999.",
        "forward.err_whole": "Timesteps must be whole numbers separated by commas, got {got!r}.",
        "forward.err_count": "Give between 1 and {most} timesteps.",
        "forward.err_range": "Timesteps must be between 0 and T - 1 = {last}; out of range: {bad}.",
        "forward.pixels": "pixel mean {mean:+.3f}, std {std:.3f}",
        "forward.row_post": "post: [0, 1], clipped",
        "forward.row_steps": "[−1, 1], step by step",
        "forward.row_closed": "[−1, 1], closed form",
        "forward.frames": "frames",
        "forward.table_head": "| schedule | β₁ | β_T | ᾱ_T | √ᾱ_T (image left at t = T) | log SNR at T |",
        "forward.color_grayscale": "grayscale",
        "forward.color_RGB": "RGB",
        "forward.tab": "3 · Forward process",
        "forward.intro": (
            "## The forward process: destroying an image with Gaussian noise\n"
            "Run the Gaussian Markov chain of the previous panel on every pixel of an image (scaled to [−1, 1]), with a "
            "noise level β_t that follows a **schedule**. Because every step is Gaussian, the whole chain collapses to "
            "one jump: **x_t = √ᾱ_t · x₀ + √(1 − ᾱ_t) · ε**, with ᾱ_t = ∏ₛ (1 − β_s) and ε ~ N(0, I). Move the slider: "
            "the same ε is used at every t, so you watch one image dissolve. The histogram compares the pixels of x_t "
            "with N(0, 1), the law every image ends in."
        ),
        "forward.image": "Image (any format; it is cropped to a square)",
        "forward.examples": "Examples",
        "forward.color": "Colour",
        "forward.size": "Working size (pixels)",
        "forward.schedule": "Noise schedule",
        "forward.T": "T (number of steps)",
        "forward.t": "Timestep t",
        "forward.seed": "Seed (the noise ε)",
        "forward.x_t": "x_t",
        "forward.targets_intro": (
            "### What the network must learn\n"
            "x_t is all the network sees. What it is trained to output is one of these, each an image of the same size:"
        ),
        "forward.eps": "ε: the added noise",
        "forward.eps_why": "**ε-prediction** (the post, DDPM): output the noise that was mixed in; subtracting it recovers x₀.",
        "forward.v": "v = √ᾱ·ε − √(1−ᾱ)·x₀",
        "forward.v_why": (
            "**v-prediction** (the digits model): at small t it is mostly ε, at large t mostly −x₀, so the target stays "
            "informative at every noise level. (x₀-prediction, the one-image model's, outputs the image itself.)"
        ),
        "forward.strip_intro": "### x_t at several timesteps (same noise)",
        "forward.timesteps": "Timesteps (comma-separated, up to 12)",
        "forward.strip_run": "Show strip",
        "forward.strip": "x_t at the chosen timesteps",
        "forward.anim_run": "Make an animation of the whole forward process (GIF)",
        "forward.anim": "The forward process from t = 0 to T − 1",
        "forward.post_intro": (
            "### The source post's demo: noising step by step\n"
            "The post applies the chain x ← √(1 − β) · x + √β · ε a few times (6 steps, β from 0.01 to 0.5) to an image "
            "in **[0, 1]**, and clips each result to [0, 1] to show it. Below, row 1 reproduces that; row 2 runs the "
            "same chain on **[−1, 1]**, the DDPM convention; row 3 jumps straight to each step with the closed form "
            "(same ᾱ, independent noise): rows 2 and 3 have the same law."
        ),
        "forward.p_steps": "Steps",
        "forward.p_start": "β_start",
        "forward.p_end": "β_end",
        "forward.p_run": "Run the post's demo",
        "forward.post_why": (
            "**Reproduced, and why it is wrong for a diffusion model.** Each step multiplies the image by √(1 − β) < 1, "
            "pulling every pixel towards 0. On [−1, 1], 0 is mid-grey, the mean of the noise: the image fades into "
            "N(0, 1) noise. On [0, 1], 0 is **black**: the post's chain also darkens the picture (the mean pixel drifts from "
            "the image's brightness to 0, see the plot), and clipping to [0, 1] hides every negative value, so half of "
            "the noise is invisible. "
            "The end point is not the N(0, 1) that sampling starts from. Models are trained on [−1, 1]."
        ),
        "forward.sched_intro": (
            "### Noise schedules\n"
            "**linear** (Ho et al. 2020): β from 1e-4 to 0.02. **cosine** (Nichol & Dhariwal 2021): ᾱ_t follows a "
            "cos² curve, which destroys the image more evenly over t; its betas are clipped at 0.999. "
            "**seed-cosine**: the source post's variant, cosine betas clamped to [1e-4, 0.02]."
        ),
        "forward.sched_why": (
            "**What the terminal values mean.** At t = T the model is supposed to see pure noise, because sampling "
            "starts from pure N(0, I). The post's clamp at β ≤ 0.02 stops the cosine schedule from finishing the job: "
            "ᾱ_T = 3.2e-3, so x_T = 0.057 · x₀ + 0.998 · ε still carries **5.7 % of the image** (log SNR −5.7). "
            "The unclamped cosine leaves ᾱ_T = 2.4e-9 (0.005 %). A model trained with the leak never learns to start "
            "from signal-free noise, which limits how bright or dark its samples can be (Lin et al. 2024, "
            '"Common diffusion noise schedules and sample steps are flawed"). We reproduce the post\'s schedule to '
            "show this, and use the unclamped cosine for our own model."
        ),
    },
    "zh": {
        "forward.err_upload": "请先上传一张图像(或点击一个示例)。",
        "forward.err_size": "尺寸必须是 {sizes} 像素之一,收到的是 {got!r}。",
        "forward.err_schedule": "调度必须是 {names} 之一,收到的是 {got!r}。",
        "forward.err_t": "时间步 t 必须在 0 到 T - 1 = {last} 之间,收到的是 {got}。",
        "forward.err_list": "时间步必须是用逗号分隔的整数列表,例如 0, 100, 500, 999。",
        "forward.err_whole": "时间步必须是用逗号分隔的整数,收到的是 {got!r}。",
        "forward.err_count": "请给出 1 到 {most} 个时间步。",
        "forward.err_range": "时间步必须在 0 到 T - 1 = {last} 之间;超出范围:{bad}。",
        "forward.pixels": "像素均值 {mean:+.3f},标准差 {std:.3f}",
        "forward.row_post": "原文:[0, 1],截断",
        "forward.row_steps": "[−1, 1],逐步加噪",
        "forward.row_closed": "[−1, 1],闭式一步到位",
        "forward.frames": "帧",
        "forward.table_head": "| 调度 | β₁ | β_T | ᾱ_T | √ᾱ_T(t = T 时剩下的图像) | T 处的 log SNR |",
        "forward.color_grayscale": "灰度",
        "forward.color_RGB": "RGB",
        "forward.tab": "3 · 前向过程",
        "forward.intro": (
            "## 前向过程:用高斯噪声一步步破坏图像\n"
            "把上一面板的高斯马尔可夫链作用在图像(缩放到 [−1, 1])的每个像素上,噪声强度 β_t 按**调度(schedule)**变化。"
            "因为每一步都是高斯的,整条链可以合并成一步:**x_t = √ᾱ_t · x₀ + √(1 − ᾱ_t) · ε**,其中 ᾱ_t = ∏ₛ (1 − β_s),"
            "ε ~ N(0, I)。拖动滑块:每个 t 都使用同一个 ε,你会看到同一张图像逐渐消散。直方图把 x_t 的像素与 N(0, 1) 比较,"
            "所有图像最终都会变成这个分布。"
        ),
        "forward.image": "图像(任意格式;会被裁剪为正方形)",
        "forward.examples": "示例",
        "forward.color": "颜色",
        "forward.size": "工作尺寸(像素)",
        "forward.schedule": "噪声调度",
        "forward.T": "T(总步数)",
        "forward.t": "时间步 t",
        "forward.seed": "随机种子(噪声 ε)",
        "forward.x_t": "x_t",
        "forward.targets_intro": (
            "### 网络要学的是什么\n网络看到的只有 x_t。它被训练去输出的是下面其中之一,每个都是同样大小的图像:"
        ),
        "forward.eps": "ε:被加入的噪声",
        "forward.eps_why": "**ε 预测**(原文、DDPM):输出混进去的噪声;减掉它就得到 x₀。",
        "forward.v": "v = √ᾱ·ε − √(1−ᾱ)·x₀",
        "forward.v_why": (
            "**v 预测**(数字模型):t 小时它主要是 ε,t 大时主要是 −x₀,所以在每个噪声水平上目标都有信息。"
            "(x₀ 预测,即单图模型的做法,直接输出图像本身。)"
        ),
        "forward.strip_intro": "### 多个时间步的 x_t(同一噪声)",
        "forward.timesteps": "时间步(逗号分隔,最多 12 个)",
        "forward.strip_run": "显示",
        "forward.strip": "所选时间步的 x_t",
        "forward.anim_run": "生成整个前向过程的动画(GIF)",
        "forward.anim": "从 t = 0 到 T − 1 的前向过程",
        "forward.post_intro": (
            "### 原文的演示:逐步加噪\n"
            "原文把 x ← √(1 − β) · x + √β · ε 作用几次(6 步,β 从 0.01 到 0.5)在 **[0, 1]** 范围的图像上,"
            "并把每一步的结果截断到 [0, 1] 来显示。下面第 1 行复现了这一做法;第 2 行在 **[−1, 1]** 上运行同一条链(DDPM 的约定);"
            "第 3 行用闭式公式直接跳到每一步(相同的 ᾱ,独立的噪声):第 2、3 行服从同一分布。"
        ),
        "forward.p_steps": "步数",
        "forward.p_start": "β_start",
        "forward.p_end": "β_end",
        "forward.p_run": "运行原文的演示",
        "forward.post_why": (
            "**我们复现了它,也说明它为什么不适合扩散模型。** 每一步把图像乘以 √(1 − β) < 1,把每个像素拉向 0。"
            "在 [−1, 1] 上,0 是中灰色,也就是噪声的均值:图像逐渐融入 N(0, 1) 噪声。在 [0, 1] 上,0 是**黑色**:"
            "原文的链还会让图片变暗(均值从图像本身的平均亮度漂向 0),而截断到 [0, 1] 又隐藏了所有负值,一半的噪声看不见。"
            "终点也不是采样时出发的 N(0, 1)。模型都在 [−1, 1] 上训练。"
        ),
        "forward.sched_intro": (
            "### 噪声调度\n"
            "**linear**(Ho 等,2020):β 从 1e-4 到 0.02。**cosine**(Nichol 与 Dhariwal,2021):ᾱ_t 沿 cos² 曲线下降,"
            "在各个 t 上更均匀地破坏图像;其 β 在 0.999 处截断。**seed-cosine**:原文的版本,cosine 的 β 被限制在 [1e-4, 0.02]。"
        ),
        "forward.sched_why": (
            "**终点数值的含义。** 在 t = T 时模型应当看到纯噪声,因为采样正是从纯 N(0, I) 出发的。原文把 β 限制在 0.02 以内,"
            "使 cosine 调度无法完成破坏:ᾱ_T = 3.2e-3,于是 x_T = 0.057 · x₀ + 0.998 · ε 仍保留**图像的 5.7%**(log SNR −5.7)。"
            "不加限制的 cosine 只剩 ᾱ_T = 2.4e-9(0.005%)。带着这种泄漏训练的模型从未学过从完全无信号的噪声出发,"
            "这会限制样本的明暗范围(Lin 等,2024,《Common diffusion noise schedules and sample steps are flawed》)。"
            "我们复现原文的调度来展示这一点,而我们自己的模型使用不加限制的 cosine。"
        ),
    },
}
