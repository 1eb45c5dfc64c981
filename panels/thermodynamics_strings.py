"""English and Chinese text of the thermodynamics panel (keys prefixed ``thermo.``)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "thermo.err_scenario": "Scenario must be one of {names}, got {got!r}.",
        "thermo.err_work": "Particles × frames is capped at {cap:,} per request ({n:,} particles × {frames:,} frames = {work:,}): use fewer particles or a shorter duration.",
        "thermo.err_skip": "Particles × skipped frames is capped at {cap:,} ({n:,} × {skip:,}): skip less or use fewer particles.",
        "thermo.p_skip": "skipping ahead (simulating, not filming)",
        "thermo.p_film": "simulating, rendering, encoding",
        "thermo.sum_speed": "**{n:,} particles × {frames:,} frames** simulated, rendered and encoded in {elapsed:.1f} s ({rate:.2f} M particle-frames/s).",
        "thermo.sum_entropy": "Coarse-grained entropy: {first:.2f} → {last:.2f} nats (maximum log {cells} = {h_max:.2f}).",
        "thermo.sum_flux": "Re-injection flux over the last {tail} frames: {flux:.2f} particles/frame (Fokker-Planck: {pde:.2f}).",
        "thermo.tab": "1 · Thermodynamics",
        "thermo.intro": (
            "## Diffusion out of equilibrium: particles between a hot and a cold wall\n"
            "A drop of ink in water spreads until it is even everywhere: microscopic randomness, macroscopic "
            "determinism, and entropy that only grows. The source post simulates a box that **never** settles: the left "
            "wall is hot (T = 1.0), the right one cold (T = 0.2). Each frame a particle drifts right "
            "(thermophoresis, c (1 + sin(x / 50))), jitters by uniform noise whose size grows with the local temperature "
            "(D T(x)), and when it reaches 95% of the width it is put back in the hot left strip. That re-injection is a "
            "current through the box: a non-equilibrium steady state. The **ink drop** scenario is the equilibrium "
            "counterpart: uniform temperature, no drift, reflecting walls.\n\n"
            "This is the post's physics, vectorised: tens of thousands of particles instead of a few hundred, drawn "
            "headless with pygame into a video."
        ),
        "thermo.sc_driven": "hot → cold (the post)",
        "thermo.sc_ink": "ink drop",
        "thermo.scenario": "Scenario",
        "thermo.particles": "Particles",
        "thermo.seconds": "Duration (seconds at 60 frames per second)",
        "thermo.left": "Hot wall temperature (also the ink drop's uniform temperature) · the post's LEFT_TEMP",
        "thermo.right": "Cold wall temperature · the post's RIGHT_TEMP",
        "thermo.drift": "Drift towards the cold (thermophoresis) · the post's DRIFT_COEFF",
        "thermo.diffusion": "Random jiggle at temperature 1 (pixels per frame) · the post's DIFFUSION_BASE",
        "thermo.seed": "Seed",
        "thermo.gif": "Also make a GIF for download (20 fps, half size)",
        "thermo.skip": "Skip ahead: simulate this many seconds first, without filming (0 = start like the post; the hot/cold box needs ~40 s to reach its steady state; the ink drop is always filmed from the start)",
        "thermo.run": "Simulate and render",
        "thermo.video": "The simulation (MP4)",
        "thermo.gif_file": "GIF for a blog post",
        "thermo.why": (
            "### What the plots show, and the link to diffusion models\n"
            "**Density along x.** The bars are the particles at the last frame; the red curve is the **Fokker-Planck "
            "equation** for the same drift and temperature-dependent diffusion (coefficient (D T)² / 6 per frame), "
            "solved on a grid with the re-injection as a source. Particles pile up where the drift is weakest "
            "(sin(x / 50) = −1) and where it is cold (small steps).\n\n"
            "**Entropy.** The coarse-grained Shannon entropy of the positions (40 × 30 boxes). For the ink drop it rises "
            "to its maximum, log 1200: equilibrium. In the driven box it levels off below the maximum while a steady "
            "flux of particles flows through: order maintained by a current.\n\n"
            "**Why a diffusion model starts here.** Its forward process is the ink drop: data diffuses into noise and "
            "entropy rises to its maximum (pure Gaussian noise). Undoing it needs a force that pushes particles back "
            "against the spreading, a learned drift, exactly what the denoising network provides in the reverse process."
        ),
    },
    "zh": {
        "thermo.err_scenario": "场景必须是 {names} 之一,收到的是 {got!r}。",
        "thermo.err_work": "每次请求的 粒子数 × 帧数 上限为 {cap:,}({n:,} 个粒子 × {frames:,} 帧 = {work:,}):请减少粒子或缩短时长。",
        "thermo.err_skip": "粒子数 × 跳过的帧数 上限为 {cap:,}({n:,} × {skip:,}):请少跳一些或减少粒子。",
        "thermo.p_skip": "向前跳(只模拟,不拍摄)",
        "thermo.p_film": "模拟、渲染、编码中",
        "thermo.sum_speed": "**{n:,} 个粒子 × {frames:,} 帧**,模拟、渲染并编码用时 {elapsed:.1f} 秒(每秒 {rate:.2f} 百万粒子帧)。",
        "thermo.sum_entropy": "粗粒化熵:{first:.2f} → {last:.2f} 奈特(最大值 log {cells} = {h_max:.2f})。",
        "thermo.sum_flux": "最后 {tail} 帧的重新注入通量:每帧 {flux:.2f} 个粒子(Fokker-Planck:{pde:.2f})。",
        "thermo.tab": "1 · 非平衡热力学",
        "thermo.intro": (
            "## 非平衡态的扩散:冷热两壁之间的粒子\n"
            "墨水滴入水中,会一直扩散到处处均匀:微观上随机,宏观上确定,熵只增不减。原文模拟的是一个**永远**不会平衡的盒子:"
            "左壁热(T = 1.0),右壁冷(T = 0.2)。每一帧粒子向右漂移(热泳效应,c (1 + sin(x / 50))),"
            "再叠加一个与局部温度成正比的均匀噪声(D T(x));当它到达宽度的 95% 时,被放回左侧的高温区。"
            "这种重置形成了一股穿过盒子的粒子流:非平衡稳态。**墨水滴**场景是对应的平衡态:温度均匀、没有漂移、墙壁反射。\n\n"
            "这里是原文的物理过程的向量化实现:几万个粒子而不是几百个,用 pygame 无窗口渲染成视频。"
        ),
        "thermo.sc_driven": "热 → 冷(原文)",
        "thermo.sc_ink": "一滴墨水",
        "thermo.scenario": "场景",
        "thermo.particles": "粒子数",
        "thermo.seconds": "时长(秒,每秒 60 帧)",
        "thermo.left": "热壁温度(也是墨水滴场景的均匀温度)· 原文的 LEFT_TEMP",
        "thermo.right": "冷壁温度 · 原文的 RIGHT_TEMP",
        "thermo.drift": "向冷处的漂移(热泳)· 原文的 DRIFT_COEFF",
        "thermo.diffusion": "温度为 1 时的随机抖动(像素/帧)· 原文的 DIFFUSION_BASE",
        "thermo.seed": "随机种子",
        "thermo.gif": "同时生成可下载的 GIF(20 帧/秒,半尺寸)",
        "thermo.skip": "先跳过:先模拟这么多秒而不录制(0 = 与原文一样从头开始;冷热盒子约需 40 秒达到稳态;墨滴总是从一开始就录制)",
        "thermo.run": "模拟并渲染",
        "thermo.video": "模拟结果(MP4)",
        "thermo.gif_file": "用于博客的 GIF",
        "thermo.why": (
            "### 图中显示了什么,以及它与扩散模型的联系\n"
            "**沿 x 的密度。** 柱状图是最后一帧的粒子;红线是相同漂移和温度相关扩散(每帧扩散系数 (D T)² / 6)下的"
            "**Fokker-Planck 方程**的数值解,重置作为源项。粒子堆积在漂移最弱处(sin(x / 50) = −1)以及低温处(步长小)。\n\n"
            "**熵。** 粒子位置的粗粒化香农熵(40 × 30 个格子)。墨水滴的熵上升到最大值 log 1200:平衡态。"
            "受驱动的盒子里,熵停在最大值以下,同时有稳定的粒子流穿过:由流维持的有序。\n\n"
            "**为什么扩散模型从这里讲起。** 它的前向过程就是墨水滴:数据扩散成噪声,熵升到最大(纯高斯噪声)。"
            "要把它倒回去,需要一个逆着扩散方向把粒子推回去的力,也就是学出来的漂移,这正是去噪网络在逆向过程中提供的。"
        ),
    },
}
