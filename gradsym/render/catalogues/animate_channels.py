"""``--animate`` with channel layouts (channels, groups, batch): labels, captions, the error."""

from __future__ import annotations

EN: dict[str, str] = {
    "anim.ch.slice_channel": "channel {c}",
    "anim.ch.slice_sample_channel": "sample {n}, channel {c}",
    "anim.ch.slice_kernel": "k[{o}, {j}]: output channel {o}, input channel {c}",
    "anim.ch.caption_forward": "{name} += Σ window of input channel {c} ⊙ k[{o}, {j}] "
    "(input channel {term} of {terms} summed)",
    "anim.ch.caption_forward_one": "{name} = Σ window of input channel {c} ⊙ k[{o}, {j}]",
    "anim.ch.caption_backward_one": "{name} = Σ window of g̃ channel {o} ⊙ rot180(k[{o}, {j}])",
    "anim.ch.caption_bias": ", then + {bias}",
    "anim.ch.slice_kernel_deconv": "k[{c}, {m}]: input channel {c}, output channel {o}",
    "anim.ch.caption_scatter": "{name} += what input channel {c} scatters here through k[{c}, {m}] "
    "(input channel {term} of {terms} summed)",
    "anim.ch.caption_scatter_one": "{name} = what input channel {c} scatters here through k[{c}, {m}]",
    "anim.ch.caption_deconv_backward": "{name} += Σ window of padded g channel {o} ⊙ k[{c}, {m}] "
    "(output channel {term} of {terms} summed)",
    "anim.ch.caption_deconv_backward_one": "{name} = Σ window of padded g channel {o} ⊙ k[{c}, {m}]",
    "anim.ch.caption_backward": "{name} += Σ window of g̃ channel {o} ⊙ rot180(k[{o}, {j}]) "
    "(output channel {term} of {terms} summed)",
    "error.animate.channels_depth": "--animate draws channels, groups and batch for 1-D and 2-D "
    "inputs only; for a 3-D input drop --in-channels, --out-channels, --groups and --batch",
}

ZH: dict[str, str] = {
    "anim.ch.slice_channel": "通道 {c}",
    "anim.ch.slice_sample_channel": "样本 {n}，通道 {c}",
    "anim.ch.slice_kernel": "k[{o}, {j}]：输出通道 {o}，输入通道 {c}",
    "anim.ch.caption_forward": "{name} += Σ 输入通道 {c} 的窗口 ⊙ k[{o}, {j}]"
    "（对 {terms} 个输入通道求和，第 {term} 个）",
    "anim.ch.caption_forward_one": "{name} = Σ 输入通道 {c} 的窗口 ⊙ k[{o}, {j}]",
    "anim.ch.caption_backward_one": "{name} = Σ g̃ 通道 {o} 的窗口 ⊙ rot180(k[{o}, {j}])",
    "anim.ch.caption_bias": "，再 + {bias}",
    "anim.ch.slice_kernel_deconv": "k[{c}, {m}]：输入通道 {c}，输出通道 {o}",
    "anim.ch.caption_scatter": "{name} += 输入通道 {c} 经 k[{c}, {m}] 散布到此处的值"
    "（对 {terms} 个输入通道求和，第 {term} 个）",
    "anim.ch.caption_scatter_one": "{name} = 输入通道 {c} 经 k[{c}, {m}] 散布到此处的值",
    "anim.ch.caption_deconv_backward": "{name} += Σ 填充后 g 通道 {o} 的窗口 ⊙ k[{c}, {m}]"
    "（对 {terms} 个输出通道求和，第 {term} 个）",
    "anim.ch.caption_deconv_backward_one": "{name} = Σ 填充后 g 通道 {o} 的窗口 ⊙ k[{c}, {m}]",
    "anim.ch.caption_backward": "{name} += Σ g̃ 通道 {o} 的窗口 ⊙ rot180(k[{o}, {j}])"
    "（对 {terms} 个输出通道求和，第 {term} 个）",
    "error.animate.channels_depth": "--animate 只对 1 维和 2 维输入画通道、分组和批；"
    "3 维输入请去掉 --in-channels、--out-channels、--groups 和 --batch",
}
