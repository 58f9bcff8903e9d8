"""Attempts at ``last_valid_output`` (lesson 10, variable-length batches)."""

import torch
from attempts import Attempt


def _batch_major(output, batch_first):
    return output if batch_first else output.transpose(0, 1)  # (N, L, H)


def last_padded_step(output, lengths, batch_first):
    out = _batch_major(output, batch_first)
    return out[:, -1]


def clamped_lengths(output, lengths, batch_first):
    out = _batch_major(output, batch_first)
    steps = lengths.clamp(max=out.shape[1] - 1)  # lengths alone went out of range for the longest
    return out[torch.arange(out.shape[0]), steps]


def always_batch_first(output, lengths, batch_first):
    return output[torch.arange(output.shape[0]), lengths - 1]


def counted_from_the_end(output, lengths, batch_first):
    out = _batch_major(output, batch_first)
    return out[torch.arange(out.shape[0]), -lengths]


def gather_without_expand(output, lengths, batch_first):
    out = _batch_major(output, batch_first)
    index = (lengths - 1)[:, None, None]  # (N, 1, 1)
    return out.gather(1, index)[:, 0]


def mean_of_real_steps(output, lengths, batch_first):
    out = _batch_major(output, batch_first)
    mask = torch.arange(out.shape[1])[None, :] < lengths[:, None]  # (N, L)
    return (out * mask[..., None]).sum(dim=1) / lengths[:, None]


def sorted_by_length(output, lengths, batch_first):
    out = _batch_major(output, batch_first)
    order = lengths.argsort(descending=True)
    return out[order, lengths[order] - 1]


def transposed_in_place(output, lengths, batch_first):
    if not batch_first:
        output.transpose_(0, 1)
    return output[torch.arange(output.shape[0]), lengths - 1]


def float32_buffer(output, lengths, batch_first):
    out = _batch_major(output, batch_first)
    last = torch.zeros(out.shape[0], out.shape[2])
    for n in range(out.shape[0]):
        last[n] = out[n, lengths[n] - 1]
    return last


def gather_expanded(output, lengths, batch_first):
    H = output.shape[2]
    if batch_first:
        index = (lengths - 1).view(-1, 1, 1).expand(-1, 1, H)  # (N, 1, H)
        return output.gather(1, index)[:, 0]
    index = (lengths - 1).view(1, -1, 1).expand(1, -1, H)  # (1, N, H)
    return output.gather(0, index)[0]


def one_hot_einsum(output, lengths, batch_first):
    L = output.shape[1] if batch_first else output.shape[0]
    pick = torch.nn.functional.one_hot(lengths - 1, L).to(output.dtype)  # (N, L)
    pattern = "nl,nlh->nh" if batch_first else "nl,lnh->nh"
    return torch.einsum(pattern, pick, output)


def loop_over_sequences(output, lengths, batch_first):
    rows = []
    for n, length in enumerate(lengths.tolist()):
        rows.append(output[n, length - 1] if batch_first else output[length - 1, n])
    return torch.stack(rows)


ATTEMPTS = [
    Attempt(
        last_padded_step,
        False,
        "Takes the last padded step for every sequence instead of each one's last real step.",
        ("length|real|padd",),
    ),
    Attempt(
        clamped_lengths,
        False,
        "Indexes step lengths[n] instead of lengths[n] - 1, clamped so the longest does not go out of range.",
        ("off|one|- 1|-1|minus",),
    ),
    Attempt(
        always_batch_first,
        False,
        "Ignores batch_first and indexes a time-major output as if it were batch-first.",
        ("batch_first|time-major|time major|layout|axis|axes|transpos",),
    ),
    Attempt(
        counted_from_the_end,
        False,
        "Counts lengths[n] steps back from the padded end, which lands in the padding for short sequences.",
        ("index|length|end|padd",),
    ),
    Attempt(
        gather_without_expand,
        False,
        "Gathers with an index of shape (N, 1, 1), so only the first hidden feature comes back.",
        ("gather|expand|featur|hidden|shape",),
    ),
    Attempt(
        mean_of_real_steps,
        False,
        "Averages the outputs of all real steps instead of picking the last real step.",
        ("mean|averag|last",),
    ),
    Attempt(
        sorted_by_length,
        False,
        "Returns the rows sorted longest first, as packing does, instead of in the batch's order.",
        ("order|sort",),
    ),
    Attempt(
        transposed_in_place,
        False,
        "Transposes the time-major output in place, changing the caller's tensor.",
        ("in place|in-place|inplace|modif|chang",),
    ),
    Attempt(
        float32_buffer,
        False,
        "Fills a torch.zeros buffer of the default float32 instead of the output's dtype.",
        ("dtype|float",),
    ),
    Attempt(gather_expanded, True),
    Attempt(one_hot_einsum, True),
    Attempt(loop_over_sequences, True),
]
