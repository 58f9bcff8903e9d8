"""Wrong answers to the capstone's exercises (lesson 11), written the way a learner might.

``WRONG`` lists (exercise id, function, phrase): every function must fail its check, and the feedback
must contain ``phrase``, a piece of the mistake it should be diagnosed as. They are written
independently of the package's catalogue (other styles, other helpers), so that a diagnosis is not
just a function compared with itself.
"""

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

# ---------------------------------------------------------------------------------------------
# train_step(model, optimizer, inputs, targets, lengths, max_norm) -> loss
# ---------------------------------------------------------------------------------------------


def _targets_in_packed_order(targets, lengths):
    return pack_padded_sequence(targets, lengths, batch_first=True, enforce_sorted=False).data


def _loss(model, inputs, targets, lengths):
    return F.cross_entropy(model(inputs, lengths), _targets_in_packed_order(targets, lengths))


def step_forgets_zero_grad(model, optimizer, inputs, targets, lengths, max_norm):
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()


def step_clips_after_stepping(model, optimizer, inputs, targets, lengths, max_norm):
    model.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    optimizer.step()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return loss


def step_clips_before_backward(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    loss.backward()
    optimizer.step()
    return loss


def step_zero_grad_just_before_step(model, optimizer, inputs, targets, lengths, max_norm):
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.zero_grad()
    optimizer.step()
    return loss


def step_softmax_then_cross_entropy(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    probs = model(inputs, lengths).softmax(-1)
    loss = F.cross_entropy(probs, _targets_in_packed_order(targets, lengths))
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss


def step_clip_by_value(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    for p in model.parameters():
        p.grad.clamp_(-max_norm, max_norm)
    optimizer.step()
    return loss


def step_masked_select_targets(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    real = targets[targets != 0]  # row by row: the padding index is 0
    loss = F.cross_entropy(model(inputs, lengths), real)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss


def step_loss_over_padding(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    out, _ = model.rnn(model.embed(inputs))  # (N, L, H)
    logits = model.head(out)  # (N, L, V)
    loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss


def step_summed_loss(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    log_probs = F.log_softmax(model(inputs, lengths), dim=-1)
    picked = log_probs.gather(1, _targets_in_packed_order(targets, lengths)[:, None])
    loss = -picked.sum()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss


def step_manual_sgd(model, optimizer, inputs, targets, lengths, max_norm):
    model.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    lr = optimizer.param_groups[0]["lr"]
    with torch.no_grad():
        for p in model.parameters():
            p.sub_(lr * p.grad)
    return loss


def step_clip_each_parameter(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    for name, p in model.named_parameters():
        norm = p.grad.norm()
        if norm > max_norm:
            p.grad.mul_(max_norm / (norm + 1e-6))
    optimizer.step()
    return loss


def step_clip_to_one(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return loss


def step_before_backward(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    optimizer.step()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return loss


def step_never_steps(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return loss


def step_returns_nothing(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    loss = _loss(model, inputs, targets, lengths)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()


def _padded_losses(model, inputs, targets):
    out, _ = model.rnn(model.embed(inputs))
    return F.cross_entropy(model.head(out).permute(0, 2, 1), targets, reduction="none")  # (N, L)


def step_divides_by_all_slots(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    losses = _padded_losses(model, inputs, targets)
    loss = losses.masked_fill(
        targets == 0, 0.0
    ).mean()  # zeros in the padding, but a mean over N * L
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss


def step_mean_per_line(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    losses = _padded_losses(model, inputs, targets)
    loss = torch.stack([losses[i, :n].mean() for i, n in enumerate(lengths.tolist())]).mean()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss


def step_predicts_its_input(model, optimizer, inputs, targets, lengths, max_norm):
    optimizer.zero_grad()
    same = pack_padded_sequence(inputs, lengths, batch_first=True, enforce_sorted=False).data
    loss = F.cross_entropy(model(inputs, lengths), same)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss


# ---------------------------------------------------------------------------------------------
# sample(model, prompt, temperature, max_len, end_index, generator) -> tokens
# ---------------------------------------------------------------------------------------------


@torch.no_grad()
def _loop(model, prompt, max_len, end_index, pick, carry=True, feed=None, keep_end=True, stop=True):
    """A sampler with a chosen way to pick each token from the logits."""
    out, h = model.rnn(model.embed(prompt[None]))  # (1, K, H)
    scores = model.head(out[0, -1])  # (V,)
    drawn = []
    while len(drawn) < max_len:
        token = pick(scores)
        if token == end_index and stop:
            if keep_end:
                drawn.append(token)
            break
        drawn.append(token)
        nxt = token if feed is None else feed(prompt, drawn)
        out, h = model.rnn(model.embed(torch.tensor([[nxt]])), h if carry else None)
        scores = model.head(out[0, -1])
    return torch.tensor(drawn, dtype=torch.long)


def sample_multiplies_temperature(model, prompt, temperature, max_len, end_index, generator):
    pick = lambda s: torch.multinomial(
        F.softmax(s * temperature, -1), 1, generator=generator
    ).item()
    return _loop(model, prompt, max_len, end_index, pick)


def sample_greedy(model, prompt, temperature, max_len, end_index, generator):
    return _loop(model, prompt, max_len, end_index, lambda s: int(torch.argmax(s / temperature)))


def sample_ignores_generator(model, prompt, temperature, max_len, end_index, generator):
    pick = lambda s: torch.multinomial(F.softmax(s / temperature, -1), num_samples=1).item()
    return _loop(model, prompt, max_len, end_index, pick)


def sample_forgets_state(model, prompt, temperature, max_len, end_index, generator):
    pick = lambda s: torch.multinomial(
        F.softmax(s / temperature, -1), 1, generator=generator
    ).item()
    return _loop(model, prompt, max_len, end_index, pick, carry=False)


def sample_feeds_last_prompt_token(model, prompt, temperature, max_len, end_index, generator):
    pick = lambda s: torch.multinomial(
        F.softmax(s / temperature, -1), 1, generator=generator
    ).item()
    return _loop(model, prompt, max_len, end_index, pick, feed=lambda p, drawn: p[-1].item())


def sample_never_stops(model, prompt, temperature, max_len, end_index, generator):
    tokens = []
    with torch.no_grad():
        logits, state = model.step(prompt)
        for _ in range(max_len):
            probs = torch.exp(torch.log_softmax(logits[-1] / temperature, dim=-1))
            t = torch.multinomial(probs, 1, generator=generator)
            tokens.append(t)
            logits, state = model.step(t, state)
    return torch.cat(tokens)


def sample_drops_end_token(model, prompt, temperature, max_len, end_index, generator):
    pick = lambda s: torch.multinomial(
        F.softmax(s / temperature, -1), 1, generator=generator
    ).item()
    return _loop(model, prompt, max_len, end_index, pick, keep_end=False)


def sample_one_too_many(model, prompt, temperature, max_len, end_index, generator):
    tokens = []
    with torch.no_grad():
        logits, state = model.step(prompt)
        for _ in range(max_len + 1):
            t = torch.multinomial(
                torch.softmax(logits[-1] / temperature, -1), 1, generator=generator
            )
            tokens.append(int(t))
            if tokens[-1] == end_index:
                break
            logits, state = model.step(t, state)
    return tokens


def sample_temperature_on_probabilities(model, prompt, temperature, max_len, end_index, generator):
    pick = lambda s: torch.multinomial(
        F.softmax(s, -1) / temperature, 1, generator=generator
    ).item()
    return _loop(model, prompt, max_len, end_index, pick)


def sample_no_temperature(model, prompt, temperature, max_len, end_index, generator):
    pick = lambda s: torch.multinomial(F.softmax(s, -1), 1, generator=generator).item()
    return _loop(model, prompt, max_len, end_index, pick)


def sample_from_start_token_only(model, prompt, temperature, max_len, end_index, generator):
    pick = lambda s: torch.multinomial(
        F.softmax(s / temperature, -1), 1, generator=generator
    ).item()
    return _loop(model, prompt[:1], max_len, end_index, pick)


def sample_returns_prompt_and_tokens(model, prompt, temperature, max_len, end_index, generator):
    pick = lambda s: torch.multinomial(
        F.softmax(s / temperature, -1), 1, generator=generator
    ).item()
    return torch.cat([prompt, _loop(model, prompt, max_len, end_index, pick)])


def sample_all_from_first_distribution(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, _ = model.step(prompt[None])  # (1, K, V)
        probs = F.softmax(logits[0, -1] / temperature, -1)
    return torch.multinomial(probs, max_len, replacement=True, generator=generator)


def sample_temperature_once(model, prompt, temperature, max_len, end_index, generator):
    with torch.no_grad():
        logits, state = model.step(prompt)
        scores = logits[-1] / temperature  # scaled once, before the loop
        tokens = []
        while len(tokens) < max_len:
            t = torch.multinomial(scores.softmax(-1), 1, generator=generator)
            tokens.append(t.item())
            if t.item() == end_index:
                break
            logits, state = model.step(t, state)
            scores = logits[-1]
    return torch.tensor(tokens)


def sample_masks_pad_and_start(model, prompt, temperature, max_len, end_index, generator):
    def pick(s):
        s = s / temperature
        s[:2] = float("-inf")  # padding (0) and start (1) are never wanted
        return torch.multinomial(F.softmax(s, -1), 1, generator=generator).item()

    return _loop(model, prompt, max_len, end_index, pick)


def sample_returns_string(model, prompt, temperature, max_len, end_index, generator):
    pick = lambda s: torch.multinomial(
        F.softmax(s / temperature, -1), 1, generator=generator
    ).item()
    return " ".join(map(str, _loop(model, prompt, max_len, end_index, pick).tolist()))


_STEP = "train_step"
_SAMPLE = "sample"
WRONG = [
    (_STEP, step_forgets_zero_grad, "your gradients pile up"),
    (_STEP, step_clips_after_stepping, "your gradients are never clipped"),
    (_STEP, step_clips_before_backward, "your gradients are never clipped"),
    (_STEP, step_zero_grad_just_before_step, "your parameters never change"),
    (_STEP, step_softmax_then_cross_entropy, "you apply softmax before F.cross_entropy"),
    (_STEP, step_clip_by_value, "clip_grad_value_"),
    (_STEP, step_masked_select_targets, "your targets are in another order than the logits"),
    (_STEP, step_loss_over_padding, "your loss counts the padding positions too"),
    (_STEP, step_summed_loss, "reduction='sum'"),
    (_STEP, step_manual_sgd, "you update the parameters by hand"),
    (_STEP, step_clip_each_parameter, "each parameter's gradient by its own norm"),
    (_STEP, step_clip_to_one, "you clip to a fixed norm"),
    (_STEP, step_before_backward, "your parameters never change"),
    (_STEP, step_never_steps, "your parameters never change"),
    (_STEP, step_returns_nothing, "did you forget the `return` statement?"),
    (_STEP, step_divides_by_all_slots, "divides by every slot of the padded batch"),
    (_STEP, step_mean_per_line, "you average each line first"),
    (_STEP, step_predicts_its_input, "your targets are the inputs"),
    (_SAMPLE, sample_multiplies_temperature, "you multiply the logits by the temperature"),
    (_SAMPLE, sample_greedy, "argmax"),
    (_SAMPLE, sample_ignores_generator, "you draw without the generator"),
    (_SAMPLE, sample_forgets_state, "your hidden state is not carried"),
    (_SAMPLE, sample_feeds_last_prompt_token, "you feed the same token back at every step"),
    (_SAMPLE, sample_never_stops, "you do not stop at the end token"),
    (_SAMPLE, sample_drops_end_token, "you stop at the end token but leave it out"),
    (_SAMPLE, sample_one_too_many, "you draw one token too many"),
    (_SAMPLE, sample_temperature_on_probabilities, "your temperature has no effect"),
    (_SAMPLE, sample_no_temperature, "your temperature has no effect"),
    (_SAMPLE, sample_from_start_token_only, "you read only the first token of the prompt"),
    (_SAMPLE, sample_returns_prompt_and_tokens, "you return the prompt too"),
    (
        _SAMPLE,
        sample_all_from_first_distribution,
        "you draw every token from the first step's distribution",
    ),
    (_SAMPLE, sample_temperature_once, "applied to the first draw only"),
    (_SAMPLE, sample_masks_pad_and_start, "you rule out some tokens"),
    (_SAMPLE, sample_returns_string, "the sampler should return the drawn token indices"),
]
