"""English and Chinese text of the words-to-pictures panel (keys prefixed ``words.``)."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "words.tab": "7 · From words to pictures",
        "words.intro": (
            "## From words to pictures: a latent diffusion model with a text encoder\n"
            "How does a model turn *words* into a picture? This one does it the way Stable Diffusion does, small "
            "enough to run here and trained here from scratch, on 48 × 48 scenes this project draws and captions "
            "itself, in English and Chinese. Three parts, each open below: an **autoencoder** squeezes a scene into "
            "a 4 × 12 × 12 latent (12 times fewer numbers) and back; a **text encoder** turns the prompt's words "
            "into vectors; a **UNet with cross-attention** denoises the latent while every position of its feature "
            "maps asks the words what to draw there."
        ),
        "words.prompt": "Prompt (English or Chinese)",
        "words.negative": "Negative prompt (guidance pushes away from it; empty = the unconditional model)",
        "words.guidance": "Guidance w: (1 + w)·with the words − w·with the negative prompt",
        "words.steps": "Steps (DDIM)",
        "words.seed": "First seed (the 8 samples use seeds s … s + 7)",
        "words.run": "Generate 8 scenes",
        "words.stop": "Stop",
        "words.known": "Words the model knows",
        "words.known_text": (
            "Every word of the captions' grammar, in both languages (a digit is itself in both). Punctuation is "
            "ignored; any other word is named in an error.\n\n{words}"
        ),
        "words.examples": "Prompts to try (the last ones were never seen in training)",
        "words.x0": "the decoded prediction x̂₀ of each seed (final: the samples)",
        "words.latent": "the latent x_t the UNet denoises (4 channels of 12 × 12 per sample)",
        "words.numbers": "Numbers (for the API)",
        "words.step": "step {i}/{n}",
        "words.done": (
            "**DDIM-{steps}**, w = {w:g} · {elapsed:.2f} s for 8 scenes, decoded · the judge finds what the prompt "
            "asks in **{all} of 8** (kind {kind}/8 · colour {colour}/8 · size {size}/8 · position {position}/8 · "
            "number of objects {count}/8)"
        ),
        "words.done_empty": (
            "**DDIM-{steps}** · {elapsed:.2f} s for 8 scenes, decoded · the empty prompt: the unconditional model "
            "draws any scene (the judge reads {read})"
        ),
        "words.held_out": (
            "⚠ **Never seen in training:** {pairs}. No training scene puts these together; whatever the model draws "
            "here, it composes from what it learnt apart."
        ),
        "words.empty_note": "The prompt is empty: the model samples without words (unconditional), guidance does nothing.",
        "words.and": " and ",
        "words.unknown": "Unknown words: {words}. The model knows: {known}.",
        "words.too_long": "The prompt is {n} characters long: at most {max}.",
        "words.too_many": "The prompt has {n} words: at most {max}.",
        "words.nothing": "nothing",
        "words.attention_intro": (
            "### Where does each word look? Cross-attention over the steps\n"
            "At every step, each of the 12 × 12 positions of the UNet's feature maps spreads one unit of attention "
            'over the prompt\'s words: bright where a position listens to that word. Watch "left" light up the left '
            "half and the colour words settle on their object as the picture forms (seed s, its x̂₀ on top)."
        ),
        "words.attention_run": "Show where each word looks",
        "words.attention_text": (
            "prompt tokens: {tokens} · columns: steps {steps} of DDIM-{n} · rows: the attention each word gets "
            "(white = {top:.2f}, the most any position gives one word here; a position's attention over all the "
            "tokens sums to 1)"
        ),
        "words.compare_intro": (
            "### Change one word: the same seed under two prompts\n"
            "Both rows start from the same noise and take the same steps; only the words differ. What the changed "
            "word controls changes, the rest of the scene (its layout, the background) mostly stays: the noise "
            "decides the picture's layout early, and the words steer what is drawn there."
        ),
        "words.prompt_b": "Second prompt",
        "words.compare_run": "Compare the two prompts",
        "words.compare_text": "seed {seed} · DDIM-{n}, w = {w:g} · columns: x̂₀ at steps {steps}",
        "words.roundtrip_intro": (
            "### The latent space: the autoencoder's round trip\n"
            "The diffusion model never sees pixels: it works on the autoencoder's 4 × 12 × 12 latent, 576 numbers "
            "instead of 6,912, so each step costs far less. Here a fresh scene goes in, its latent's 4 channels are "
            "shown, and the decoder draws the scene back from them: what the round trip loses, no sample can have."
        ),
        "words.scene_seed": "Which fresh scene (a seed; never trained on)",
        "words.roundtrip_run": "Encode and decode",
        "words.roundtrip_text": (
            "“{caption}” · 6,912 numbers → 576 → 6,912 · round trip {psnr:.1f} dB (the autoencoder averages {mean:.1f} "
            "dB on 512 fresh scenes)"
        ),
        "words.roundtrip_alt": "A fresh scene, its latent's four channels, and the scene decoded from the latent.",
        "words.encoder_intro": (
            "### The text encoder's view: which words mean the same?\n"
            "Nobody told the model that “red” and “红色” are one word: each scene's caption came in one language or "
            "the other, and the text encoder learnt whatever vectors make the right picture. Rows are English "
            "words, columns Chinese ones, each cell the cosine similarity of their vectors: a bright diagonal means "
            "the two languages met."
        ),
        "words.encoder_text": "{matched} of {n} English words have their Chinese translation as their nearest Chinese word.",
        "words.grid_alt": "Eight generated scenes, one per seed.",
        "words.near": (
            "the nearest of the first 2,048 training scenes to each sample (by their objects, backgrounds aside): "
            "new scenes, or copies? (distances in the numbers)"
        ),
        "words.near_alt": "The nearest training scene of each of the eight samples, in the same order.",
        "words.latent_alt": "The latents of the eight scenes, four channels each.",
    },
    "zh": {
        "words.tab": "7 · 从文字到图像",
        "words.intro": (
            "## 从文字到图像:带文本编码器的潜在扩散模型\n"
            "模型怎样把*文字*变成图像?这个模型的做法与 Stable Diffusion 相同,只是小到能在这里运行,并且完全在这里从零训练:"
            "训练数据是本项目自己绘制并配上中英文说明的 48 × 48 场景。它有三个部分,下面逐一打开:**自编码器**把场景压缩成 "
            "4 × 12 × 12 的潜变量(数字少 12 倍)再还原;**文本编码器**把提示词变成向量;**带交叉注意力的 UNet** "
            "对潜变量去噪,特征图上的每个位置都会询问文字:这里该画什么。"
        ),
        "words.prompt": "提示词(中文或英文)",
        "words.negative": "反向提示词(引导会远离它;留空 = 无条件模型)",
        "words.guidance": "引导强度 w:(1 + w)·有提示词 − w·反向提示词",
        "words.steps": "步数(DDIM)",
        "words.seed": "第一个种子(8 个样本用种子 s … s + 7)",
        "words.run": "生成 8 个场景",
        "words.stop": "停止",
        "words.known": "模型认识的词",
        "words.known_text": "说明文字语法中的每个词,两种语言都有(数字在两种语言里相同)。标点会被忽略;其他词会在错误信息中指出。\n\n{words}",
        "words.examples": "可以试试的提示词(最后几个在训练中从未出现)",
        "words.x0": "每个种子解码后的预测 x̂₀(最终:样本)",
        "words.latent": "UNet 去噪的潜变量 x_t(每个样本 4 个 12 × 12 通道)",
        "words.numbers": "数值(供 API 使用)",
        "words.step": "第 {i}/{n} 步",
        "words.done": (
            "**DDIM-{steps}**,w = {w:g} · 8 个场景(含解码)用时 {elapsed:.2f} 秒 · 评判模型发现 **8 个中有 {all} 个**"
            "画出了提示词要求的内容(类别 {kind}/8 · 颜色 {colour}/8 · 大小 {size}/8 · 位置 {position}/8 · 物体个数 {count}/8)"
        ),
        "words.done_empty": "**DDIM-{steps}** · 8 个场景(含解码)用时 {elapsed:.2f} 秒 · 空提示词:无条件模型画任意场景(评判模型读出 {read})",
        "words.held_out": "⚠ **训练中从未见过:**{pairs}。没有任何训练场景把它们放在一起;模型在这里画出的东西,是用分开学到的知识组合出来的。",
        "words.empty_note": "提示词为空:模型不看文字采样(无条件),引导不起作用。",
        "words.and": " 和 ",
        "words.unknown": "不认识的词:{words}。模型认识的词:{known}。",
        "words.too_long": "提示词有 {n} 个字符:最多 {max} 个。",
        "words.too_many": "提示词有 {n} 个词:最多 {max} 个。",
        "words.nothing": "空",
        "words.attention_intro": (
            "### 每个词在看哪里?各步的交叉注意力\n"
            "每一步,UNet 特征图上 12 × 12 个位置中的每一个,都把一份注意力分给提示词中的各个词:越亮表示该位置越关注这个词。"
            "看“左边”如何点亮左半边,颜色词如何随着图像成形落到它的物体上(种子 s,最上面一行是它的 x̂₀)。"
        ),
        "words.attention_run": "显示每个词在看哪里",
        "words.attention_text": (
            "提示词的词元:{tokens} · 列:DDIM-{n} 的第 {steps} 步 · 行:每个词得到的注意力(白 = {top:.2f},"
            "即这里任一位置给单个词的最大注意力;一个位置对所有词元的注意力之和为 1)"
        ),
        "words.compare_intro": (
            "### 改一个词:同一个种子,两个提示词\n"
            "两行从同一个噪声出发、走同样的步,只有文字不同。被改动的词所控制的东西会变,场景的其余部分(布局、背景)大多不变:"
            "噪声很早就决定了图像的布局,文字引导的是那里画什么。"
        ),
        "words.prompt_b": "第二个提示词",
        "words.compare_run": "比较两个提示词",
        "words.compare_text": "种子 {seed} · DDIM-{n},w = {w:g} · 列:第 {steps} 步的 x̂₀",
        "words.roundtrip_intro": (
            "### 潜空间:自编码器的往返\n"
            "扩散模型从不看像素:它在自编码器的 4 × 12 × 12 潜变量上工作,576 个数而不是 6,912 个,所以每一步便宜得多。"
            "这里输入一个全新的场景,显示它的潜变量的 4 个通道,再由解码器从中画回场景:往返中丢失的东西,任何样本都不可能有。"
        ),
        "words.scene_seed": "选哪个全新场景(一个种子;从未用于训练)",
        "words.roundtrip_run": "编码再解码",
        "words.roundtrip_text": "“{caption}” · 6,912 个数 → 576 → 6,912 · 往返 {psnr:.1f} dB(自编码器在 512 个全新场景上平均 {mean:.1f} dB)",
        "words.roundtrip_alt": "一个全新场景、它的潜变量的四个通道,以及从潜变量解码出的场景。",
        "words.encoder_intro": (
            "### 文本编码器眼中的词:哪些词意思相同?\n"
            "没有人告诉模型“red”和“红色”是同一个词:每个场景的说明只用一种语言,文本编码器学到的是能画出正确图像的向量。"
            "行是英文词,列是中文词,每格是两个向量的余弦相似度:对角线越亮,说明两种语言在模型里会合了。"
        ),
        "words.encoder_text": "{n} 个英文词中有 {matched} 个,与它最相近的中文词正是它的翻译。",
        "words.grid_alt": "生成的八个场景,每个种子一个。",
        "words.near": "与每个样本最接近的训练场景(前 2,048 个中,按物体比较,不计背景):是新场景,还是复制?(距离见数值)",
        "words.near_alt": "八个样本各自最接近的训练场景,顺序相同。",
        "words.latent_alt": "八个场景的潜变量,每个四个通道。",
    },
}
