"""English and Chinese text of the Markov panel (keys prefixed ``markov.``)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "markov.tab": "2 · Markov chains",
        "markov.intro": (
            "## Markov chains: tomorrow depends only on today\n"
            "A Markov chain has no memory: the law of the next state depends on the current state alone. "
            "The source post's weather chain: after a **sunny** day, 80% sunny and 20% rainy; after a **rainy** day, "
            "60% sunny and 40% rainy. Each row of the transition matrix *P* is the law of tomorrow given today, so "
            "each row sums to 1. A law over states is a row vector *p*, and one step maps it to *p P*; after *n* steps, "
            "*p₀ Pⁿ*. A **stationary law** π satisfies π P = π. For the weather chain π = (3/4, 1/4): in the long run, "
            "three days in four are sunny, whatever the weather on day 0.\n\n"
            "Edit the chain (sliders for two states, or type a matrix for up to four), then simulate many chains at once."
        ),
        "markov.n_states": "Number of states",
        "markov.p_sr": "P(Sunny → Rainy)",
        "markov.p_rs": "P(Rainy → Sunny)",
        "markov.matrix": "Transition matrix P (row = today, column = tomorrow; rows sum to 1)",
        "markov.start": "Start state (day 0)",
        "markov.state_Sunny": "Sunny",
        "markov.state_Rainy": "Rainy",
        "markov.state_Cloudy": "Cloudy",
        "markov.state_Snowy": "Snowy",
        "markov.start_x0 = 3": "x0 = 3",
        "markov.start_x0 = ±3 (two spikes)": "x0 = ±3 (two spikes)",
        "markov.start_x0 ~ Uniform(2, 4)": "x0 ~ Uniform(2, 4)",
        "markov.too_much": "Steps × chains is capped at {cap:,} per request (got {got:,}); lower one of them.",
        "markov.sim": "sim",
        "markov.exact": "exact",
        "markov.n_steps": "Number of steps",
        "markov.n_chains": "Number of chains simulated at once",
        "markov.seed": "Seed",
        "markov.run": "Simulate",
        "markov.path": "#### A simulated path",
        "markov.diagram": "Transition diagram",
        "markov.nstep": "p₀ Pⁿ from each start",
        "markov.convergence": "Empirical frequencies converging",
        "markov.verdict_ok": "✅ Unique stationary law π, and p₀ Pⁿ → π from every start (aperiodic). C: the closed class, d: its period, T: transient states.",
        "markov.table_legend": "After t steps, over 20,000 chains: sim = simulated, exact = closed form.",
        "markov.verdict_periodic": "⚠️ Unique stationary law π, but the chain is periodic: p₀ Pⁿ oscillates and does not converge; time averages still converge to π. C: the closed class, d: its period, T: transient states.",
        "markov.verdict_reducible": "⚠️ Not unique: the chain is reducible, with several closed classes; every mixture of their laws is stationary, and the long run depends on the start. C: a closed class, d: its period, T: transient states.",
        "markov.gauss_intro": (
            "## From weather to noise: the Gaussian Markov chain\n"
            "Replace the two weather states by a real number *x* and the transition matrix by a rule: "
            "**x_t = √(1 − β) · x_{t−1} + √β · ε_t**, with fresh Gaussian noise ε_t ~ N(0, 1) at every step. "
            "Each step shrinks the old value a little and adds a little noise. After *t* steps, with "
            "ᾱ_t = (1 − β)^t, **x_t = √ᾱ_t · x₀ + √(1 − ᾱ_t) · ε**: the start fades away as √ᾱ_t → 0 and the variance "
            "tends to 1. So N(0, 1) is this chain's stationary law, reached from any start."
        ),
        "markov.beta": "β (noise added per step)",
        "markov.g_start": "Starting values (20,000 chains)",
        "markov.g_run": "Run the Gaussian chain",
        "markov.g_plot": "Histogram of x_t and its moments",
        "markov.gauss_why": (
            "### Why this is the forward process of a diffusion model\n"
            "A DDPM runs exactly this chain on every pixel of an image at once (with a β that changes with t): the image "
            "is x₀, and after enough steps only N(0, 1) noise is left, whatever the picture was. Because the chain "
            "is Markov and Gaussian, x_t can be sampled from x₀ in one jump with the closed form above; that is how "
            "training noises an image at a random t. Generation runs the chain backwards, which needs a neural network "
            "to supply what the forward chain destroyed: see the *Forward process* and *Reverse process* panels."
        ),
    },
    "zh": {
        "markov.tab": "2 · 马尔可夫链",
        "markov.intro": (
            "## 马尔可夫链:明天只取决于今天\n"
            "马尔可夫链没有记忆:下一个状态的概率分布只取决于当前状态。原文的天气例子:今天**晴天**,明天 80% 晴、20% 雨;"
            "今天**雨天**,明天 60% 晴、40% 雨。转移矩阵 *P* 的每一行是“已知今天、明天的分布”,所以每行之和为 1。"
            "状态上的分布是行向量 *p*,走一步变成 *p P*,走 *n* 步变成 *p₀ Pⁿ*。**平稳分布** π 满足 π P = π。"
            "天气链的 π = (3/4, 1/4):从长远看,四天里有三天是晴天,与第 0 天的天气无关。\n\n"
            "编辑这条链(两个状态用滑块,最多四个状态可直接输入矩阵),然后同时模拟许多条链。"
        ),
        "markov.n_states": "状态数",
        "markov.p_sr": "P(晴 → 雨)",
        "markov.p_rs": "P(雨 → 晴)",
        "markov.matrix": "转移矩阵 P(行 = 今天,列 = 明天;每行之和为 1)",
        "markov.start": "初始状态(第 0 天)",
        "markov.state_Sunny": "晴",
        "markov.state_Rainy": "雨",
        "markov.state_Cloudy": "阴",
        "markov.state_Snowy": "雪",
        "markov.start_x0 = 3": "x0 = 3",
        "markov.start_x0 = ±3 (two spikes)": "x0 = ±3(两个尖峰)",
        "markov.start_x0 ~ Uniform(2, 4)": "x0 ~ 均匀分布(2, 4)",
        "markov.too_much": "每次请求的 步数 × 链数 上限为 {cap:,}(收到 {got:,}):请调低其中一个。",
        "markov.sim": "模拟",
        "markov.exact": "精确",
        "markov.n_steps": "步数",
        "markov.n_chains": "同时模拟的链数",
        "markov.seed": "随机种子",
        "markov.run": "模拟",
        "markov.path": "#### 一条模拟路径",
        "markov.diagram": "状态转移图",
        "markov.nstep": "从每个初始状态出发的 p₀ Pⁿ",
        "markov.convergence": "经验频率的收敛",
        "markov.verdict_ok": "✅ 平稳分布 π 唯一,且从任何初始分布出发 p₀ Pⁿ → π(非周期)。C:闭类,d:其周期,T:暂态。",
        "markov.table_legend": "走 t 步后,对 20,000 条链统计:模拟值与闭式解。",
        "markov.verdict_periodic": "⚠️ 平稳分布 π 唯一,但这条链是周期的:p₀ Pⁿ 来回振荡、不收敛;时间平均仍收敛到 π。C:闭类,d:其周期,T:暂态。",
        "markov.verdict_reducible": "⚠️ 平稳分布不唯一:这条链可约,有多个闭类;它们的分布的任意混合都是平稳的,长期行为取决于起点。C:闭类,d:其周期,T:暂态。",
        "markov.gauss_intro": (
            "## 从天气到噪声:高斯马尔可夫链\n"
            "把两个天气状态换成一个实数 *x*,把转移矩阵换成一条规则:"
            "**x_t = √(1 − β) · x_{t−1} + √β · ε_t**,每一步都加入新的高斯噪声 ε_t ~ N(0, 1)。"
            "每一步把旧值缩小一点、再加一点噪声。走 *t* 步后,记 ᾱ_t = (1 − β)^t,则 **x_t = √ᾱ_t · x₀ + √(1 − ᾱ_t) · ε**:"
            "随着 √ᾱ_t → 0,初值被遗忘,方差趋于 1。所以 N(0, 1) 是这条链的平稳分布,从任何起点都会到达。"
        ),
        "markov.beta": "β(每步加入的噪声)",
        "markov.g_start": "初始值(20,000 条链)",
        "markov.g_run": "运行高斯链",
        "markov.g_plot": "x_t 的直方图及其矩",
        "markov.gauss_why": (
            "### 为什么这就是扩散模型的前向过程\n"
            "DDPM 正是在图像的每个像素上同时运行这条链(β 随 t 变化):图像就是 x₀,走足够多步之后只剩下 N(0, 1) 噪声,"
            "无论原图是什么。因为这条链是马尔可夫的、高斯的,可以用上面的闭式公式从 x₀ 一步采样出 x_t,"
            "训练时正是这样在随机的 t 上给图像加噪。生成则是把这条链倒过来走,需要神经网络补回前向过程破坏掉的信息:"
            "参见“前向过程”和“逆向过程”面板。"
        ),
    },
}
