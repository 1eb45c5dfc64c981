"""English and Chinese text of the 2-D lab (keys prefixed ``lab.``): the page's labels, and the plot labels and
status lines the server writes in the reader's language (``common.say``)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "lab.objectives_intro": (
            "### Two objectives, one family of paths\n"
            "Both models corrupt the data along a Gaussian path x_s = a(s) x₀ + b(s) ε, from the data (s = 0) to "
            "pure noise (s = 1). **Denoising diffusion** uses a = √ᾱ, b = √(1−ᾱ) and learns the noise ε. **Flow "
            "matching** (rectified flow) uses the straight line a = 1 − s, b = s and learns the velocity "
            "v = ε − x₀. Either way, following the learned field from noise backwards is an ordinary differential "
            "equation, so the same solvers sample both: **Euler** (one network evaluation a step; on the "
            "diffusion model's probability-flow ODE it *is* DDIM) and **Heun** (two evaluations a step, "
            "second order). Straight paths need fewer steps: compare the curves below."
        ),
        "lab.objective": "Objective",
        "lab.obj_denoise": "denoising (predict ε)",
        "lab.obj_flow": "flow matching (predict v)",
        "lab.compare": "Compare every sampler of both objectives",
        "lab.guidance_intro": (
            "### Guidance on labelled points\n"
            "Three shapes, one class each. One network learns p(x | class) and, with 20% of the labels "
            "dropped during training, p(x) too. Classifier-free guidance samples with (1 + w)·conditional − "
            "w·unconditional: w = −1 ignores the label, w = 0 is the plain conditional model, larger w pushes "
            "away from the other classes, and too much pushes the points off their shape. Same noise in every "
            "panel; colours are the class asked for."
        ),
        "lab.guidance": "Guidance w",
        "lab.guide": "Train (once) and sample with guidance",
        "lab.seed": "Seed (of the labelled data, the network and the noise)",
        "lab.views_intro": (
            "### What the model learned\n"
            "The model's density p_s(x) at a time s (by the change of variables along its ODE: exact up to the "
            "solver's steps), the grid of the noise carried by the flow to that time, and one particle's whole "
            "path: **click the picture** to trace the trajectory through that point."
        ),
        "lab.time": "Time s (0 = data, 1 = noise)",
        "lab.show": "Show density and mesh",
        "lab.view": "Density, carried mesh, trajectory (click to trace)",
        "lab.draw_intro": "Or **draw your own data** (dark strokes), then use it as the shape:",
        "lab.sketch": "Draw a shape",
        "lab.use_drawing": "Use my drawing",
        # server-side text (plots and statuses)
        "lab.nfe": "network evaluations (NFE)",
        "lab.swd": "sliced Wasserstein to the data",
        "lab.samplers_title": "Samples against cost, from the same noise",
        "lab.noise": "pure noise",
        "lab.floor": "a fresh sample of the data",
        "lab.denoise": "diffusion",
        "lab.flow": "flow",
        "lab.training_other": "Training the {objective} model on the same data for the comparison: step {step} / {steps}",
        "lab.compared": (
            "Best at ≤ 20 evaluations: **{best}** ({swd:.3f}; a fresh sample of the data: {floor:.3f}). "
            "DDIM and Euler on the diffusion model are the same sampler."
        ),
        "lab.weak": "too weak",
        "lab.right": "about right",
        "lab.strong": "too strong",
        "lab.yours": "your w",
        "lab.accuracy": "in the class asked for",
        "lab.off_shape": "median distance off the shape",
        "lab.scores_title": "What guidance buys, and what it costs",
        "lab.guided": (
            "w = {w:g}: **{accuracy:.0%}** of the points land nearest to their own class, median {off:.3f} off "
            "the shape ({model} model, {sampler})."
        ),
        "lab.training_labelled": "Training the labelled {objective} model: step {step} / {steps}",
        "lab.density_title": "log p at s = {s:.2f} ({model} model)",
        "lab.viewed": (
            "s = {s:.2f}: the density integrates to **{mass:.3f}** over the picture (1 means the change of "
            "variables is exact); {seconds:.1f} s."
        ),
        "lab.traced": "The path through ({x:.2f}, {y:.2f}) at s = {s:.2f}: from the noise at ({x1:.2f}, {y1:.2f}) to the data at ({x0:.2f}, {y0:.2f}).",
        "lab.no_model": "Train the model first (the Train button above).",
        "lab.wrong_sampler": "The flow-matching model is sampled with Euler or Heun (DDPM and DDIM belong to the denoising model).",
        "lab.no_drawing": "Draw a shape on the canvas first (dark strokes).",
    },
    "zh": {
        "lab.objectives_intro": (
            "### 两种目标,同一族路径\n"
            "两个模型都沿高斯路径 x_s = a(s) x₀ + b(s) ε 破坏数据,从数据(s = 0)到纯噪声(s = 1)。"
            "**去噪扩散** 取 a = √ᾱ、b = √(1−ᾱ),学习噪声 ε。**流匹配**(rectified flow)取直线 a = 1 − s、b = s,"
            "学习速度 v = ε − x₀。无论哪种,从噪声出发倒着沿学到的场走都是一个常微分方程,所以同样的求解器可以为两者"
            "采样:**Euler**(每步一次网络计算;在扩散模型的概率流 ODE 上它 *就是* DDIM)和 **Heun**(每步两次计算,"
            "二阶)。直线路径需要更少的步数:比较下面的曲线。"
        ),
        "lab.objective": "训练目标",
        "lab.obj_denoise": "去噪(预测 ε)",
        "lab.obj_flow": "流匹配(预测 v)",
        "lab.compare": "比较两种目标的所有采样器",
        "lab.guidance_intro": (
            "### 带标签点上的引导\n"
            "三个形状,每个一类。一个网络学习 p(x | 类别),训练时随机丢掉 20% 的标签,于是也学会了 p(x)。"
            "无分类器引导按 (1 + w)·条件 − w·无条件 采样:w = −1 忽略标签,w = 0 是普通的条件模型,更大的 w 把点推离其他"
            "类别,太大则把点推出它的形状。每个子图使用相同的噪声;颜色是所要求的类别。"
        ),
        "lab.guidance": "引导强度 w",
        "lab.guide": "训练(一次)并带引导采样",
        "lab.seed": "随机种子(带标签数据、网络和噪声)",
        "lab.views_intro": (
            "### 模型学到了什么\n"
            "模型在时刻 s 的密度 p_s(x)(沿其 ODE 用变量替换公式计算:除求解器步长外是精确的)、噪声中的网格被流带到"
            "该时刻的样子,以及一个粒子的完整路径:**点击图片** 即可追踪经过该点的轨迹。"
        ),
        "lab.time": "时刻 s(0 = 数据,1 = 噪声)",
        "lab.show": "显示密度和网格",
        "lab.view": "密度、被带动的网格、轨迹(点击以追踪)",
        "lab.draw_intro": "或者 **画出你自己的数据**(深色笔画),然后把它用作形状:",
        "lab.sketch": "画一个形状",
        "lab.use_drawing": "使用我的画",
        "lab.nfe": "网络计算次数(NFE)",
        "lab.swd": "到数据的切片 Wasserstein 距离",
        "lab.samplers_title": "样本质量与代价,相同的噪声",
        "lab.noise": "纯噪声",
        "lab.floor": "数据的一个新样本",
        "lab.denoise": "扩散",
        "lab.flow": "流",
        "lab.training_other": "为了比较,在同样的数据上训练{objective}模型:第 {step} / {steps} 步",
        "lab.compared": (
            "不超过 20 次计算时最好的是 **{best}**({swd:.3f};数据的一个新样本:{floor:.3f})。"
            "扩散模型上的 DDIM 和 Euler 是同一个采样器。"
        ),
        "lab.weak": "太弱",
        "lab.right": "正合适",
        "lab.strong": "太强",
        "lab.yours": "你的 w",
        "lab.accuracy": "落在所要求的类别中",
        "lab.off_shape": "偏离形状的中位距离",
        "lab.scores_title": "引导带来什么,又付出什么",
        "lab.guided": "w = {w:g}:**{accuracy:.0%}** 的点最靠近自己的类别,偏离形状的中位距离为 {off:.3f}({model}模型,{sampler})。",
        "lab.training_labelled": "训练带标签的{objective}模型:第 {step} / {steps} 步",
        "lab.density_title": "s = {s:.2f} 时的 log p({model}模型)",
        "lab.viewed": "s = {s:.2f}:密度在整幅图上的积分为 **{mass:.3f}**(为 1 说明变量替换是精确的);用时 {seconds:.1f} 秒。",
        "lab.traced": "在 s = {s:.2f} 时经过 ({x:.2f}, {y:.2f}) 的路径:从噪声中的 ({x1:.2f}, {y1:.2f}) 到数据中的 ({x0:.2f}, {y0:.2f})。",
        "lab.no_model": "请先训练一个模型(上面的“训练”按钮)。",
        "lab.wrong_sampler": "流匹配模型用 Euler 或 Heun 采样(DDPM 和 DDIM 属于去噪模型)。",
        "lab.no_drawing": "请先在画布上画一个形状(深色笔画)。",
    },
}
