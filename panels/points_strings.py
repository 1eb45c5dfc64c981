"""English and Chinese text of the point-cloud panel (keys prefixed ``points.``)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "points.p_simulating": "simulating",
        "points.p_rendering": "rendering",
        "points.p_sampling": "sampling",
        "points.p_step": "step {step}",
        "points.train_line": "step {step} / {total} · {objective} · loss {loss:.4f} · {seconds:.1f} s · sliced Wasserstein to the data: {swd:.3f} (pure noise: {noise:.3f})",
        "points.reverse_status": "{run} ({nfe} network evaluations): sliced Wasserstein distance to the data {swd:.3f}",
        "points.tab": "6 · Particles to a model",
        "points.intro": (
            "## From particles to a generative model\n"
            "Here the data is a cloud of 2-D points, and every point is a particle, drawn like the particles of the "
            "*Thermodynamics* tab (same renderer, same colours: red is hot, i.e. noisy; blue is cold, i.e. clean). "
            "The forward process x_t = √(1−β_t) x_{t−1} + √β_t ε pulls every particle towards the origin while "
            "kicking it randomly: it is diffusion in a harmonic potential (an Ornstein-Uhlenbeck process), and the "
            "cloud relaxes to its equilibrium N(0, I), forgetting its shape. A small network (an MLP) then learns "
            "the noise ε in x_t, which is the score −ε/√(1−ᾱ_t) = ∇ log p_t(x): the *force* that, followed "
            "backwards in time, undoes the diffusion and brings the particles back into the shape."
        ),
        "points.dataset": "Dataset",
        "points.ds_spiral": "spiral",
        "points.ds_moons": "two moons",
        "points.ds_smiley": "smiley",
        "points.ds_text": "a word",
        "points.ds_shape": "your shape",
        "points.word": "Word (for 'a word')",
        "points.shape": "Black-and-white shape (for 'your shape')",
        "points.n": "Number of points",
        "points.seed": "Seed",
        "points.forward": "Watch the forward process",
        "points.forward_video": "Forward process: the cloud diffuses to N(0, I)",
        "points.train_intro": "### Learn to run the film backwards",
        "points.steps": "Training steps",
        "points.train": "Train",
        "points.stop": "Stop",
        "points.train_status": "Training",
        "points.reverse_intro": (
            "### The reverse process\n"
            "The grey arrows are the learned field at the current time: the force on each particle (the score of a "
            "denoising model, minus the velocity of a flow-matching one). DDPM adds a random kick at every step (a "
            "zig-zag path, like Brownian motion); DDIM with η = 0 follows the field deterministically (a smooth "
            "path). Euler and Heun solve the same ODE with one or two network evaluations a step: they are the "
            "flow-matching model's samplers (choose its objective above, before Train)."
        ),
        "points.sampler": "Sampler",
        "points.sample_steps": "Sampling steps",
        "points.reverse": "Generate",
        "points.reverse_video": "Reverse process: particles flowing back into the shape",
        "points.compare": "Compare samplers and step counts",
    },
    "zh": {
        "points.p_simulating": "模拟中",
        "points.p_rendering": "渲染中",
        "points.p_sampling": "采样中",
        "points.p_step": "第 {step} 步",
        "points.train_line": "第 {step} / {total} 步 · {objective} · 损失 {loss:.4f} · {seconds:.1f} 秒 · 到数据的切片 Wasserstein 距离:{swd:.3f}(纯噪声:{noise:.3f})",
        "points.reverse_status": "{run}({nfe} 次网络计算):到数据的切片 Wasserstein 距离 {swd:.3f}",
        "points.tab": "6 · 从粒子到模型",
        "points.intro": (
            "## 从粒子到生成模型\n"
            "这里的数据是一团二维点,每个点都是一个粒子,画法与 *热力学* 标签页中的粒子相同(同一个渲染器、同样的颜色:"
            "红色是热的,即有噪声;蓝色是冷的,即干净)。前向过程 x_t = √(1−β_t) x_{t−1} + √β_t ε 把每个粒子拉向原点,"
            "同时随机推动它:这是谐振势中的扩散(Ornstein-Uhlenbeck 过程),点云弛豫到平衡态 N(0, I),忘记了原来的形状。"
            "然后一个小网络(MLP)学习 x_t 中的噪声 ε,也就是得分 −ε/√(1−ᾱ_t) = ∇ log p_t(x):沿时间倒着跟随这个"
            "*力*,就能撤销扩散,把粒子带回原来的形状。"
        ),
        "points.dataset": "数据集",
        "points.ds_spiral": "螺旋",
        "points.ds_moons": "双月",
        "points.ds_smiley": "笑脸",
        "points.ds_text": "一个单词",
        "points.ds_shape": "你的形状",
        "points.word": "单词(用于“一个单词”)",
        "points.shape": "黑白形状图片(用于“你的形状”)",
        "points.n": "点的数量",
        "points.seed": "随机种子",
        "points.forward": "观看前向过程",
        "points.forward_video": "前向过程:点云扩散为 N(0, I)",
        "points.train_intro": "### 学会把影片倒着放",
        "points.steps": "训练步数",
        "points.train": "训练",
        "points.stop": "停止",
        "points.train_status": "训练",
        "points.reverse_intro": (
            "### 反向过程\n"
            "灰色箭头是当前时刻学到的场:作用在每个粒子上的力(去噪模型的得分,或流匹配模型速度的反方向)。DDPM "
            "每一步都加一次随机扰动(之字形路径,像布朗运动);η = 0 的 DDIM 确定性地沿着场走(平滑路径)。Euler 和 Heun "
            "以每步一次或两次网络计算求解同一个 ODE:它们是流匹配模型的采样器(在训练前于上方选择训练目标)。"
        ),
        "points.sampler": "采样器",
        "points.sample_steps": "采样步数",
        "points.reverse": "生成",
        "points.reverse_video": "反向过程:粒子流回原来的形状",
        "points.compare": "比较采样器和步数",
    },
}
