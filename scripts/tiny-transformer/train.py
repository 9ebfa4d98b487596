# Trains the tiny transformer of issue 16 and exports what transformers.js loads from local files:
# a Llama-style decoder (RoPE, RMSNorm, SwiGLU, tied embeddings) on the King James Version (public domain,
# Debian's bible-kjv-text, printed by `bible`), with its own byte-level BPE tokenizer.
#
#   /usr/bin/python3 scripts/tiny-transformer/train.py [out_dir]     (Debian: python3-torch python3-onnx
#                                                                     libopenblas0-pthread bible-kjv bible-kjv-text)
# Writes out_dir (default models/tiny-kjv): config.json, generation_config.json, tokenizer.json,
# tokenizer_config.json, onnx/model.onnx (past_key_values inputs, present outputs), and training.json (seed,
# corpus, hyper-parameters, losses, validation perplexity).
import json, math, os, re, subprocess, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 20261201
OUT = sys.argv[1] if len(sys.argv) > 1 else "models/tiny-kjv"
VOCAB = 2048
D, LAYERS, HEADS, FFN, CTX = 128, 4, 4, 352, 128
BATCH, STEPS, LR = 32, int(os.environ.get("STEPS", "2500")), 3e-3
torch.manual_seed(SEED)
torch.set_num_threads(1)

# --- corpus: verses as lines, headings and verse numbers dropped ---
raw = subprocess.run(["bible", "-l2000", "gen1:1-rev22:21"], capture_output=True, text=True).stdout
lines = [re.sub(r"^\s*\d+\s+", "", l).strip() for l in raw.split("\n") if re.match(r"^\s+\d+\s", l)]
text = "\n".join(lines) + "\n"
split = int(len(text) * 0.98)
train_text, val_text = text[:split], text[split:]

# --- byte-level BPE (GPT-2's byte-to-unicode map, so tokenizer.json's ByteLevel pieces read it) ---
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return dict(zip(bs, map(chr, cs)))
B2U = bytes_to_unicode()
PAT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+(?!\S)|\s+""")

def pieces(s):
    return ["".join(B2U[b] for b in w.encode("utf-8")) for w in PAT.findall(s)]

freq = {}
for w in pieces(train_text):
    freq[w] = freq.get(w, 0) + 1
words = {tuple(w): c for w, c in freq.items()}
EOS = "<|endoftext|>"
vocab = {EOS: 0}
for ch in sorted(set(B2U.values())):
    vocab[ch] = len(vocab)
merges = []
t0 = time.time()
while len(vocab) < VOCAB:
    pairs = {}
    for w, c in words.items():
        for a, b in zip(w, w[1:]):
            pairs[(a, b)] = pairs.get((a, b), 0) + c
    if not pairs:
        break
    (a, b), _ = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))
    merges.append(f"{a} {b}")
    vocab[a + b] = len(vocab)
    nw = {}
    for w, c in words.items():
        out, i = [], 0
        while i < len(w):
            if i + 1 < len(w) and w[i] == a and w[i + 1] == b:
                out.append(a + b); i += 2
            else:
                out.append(w[i]); i += 1
        nw[tuple(out)] = nw.get(tuple(out), 0) + c
    words = nw
print(f"bpe: {len(merges)} merges in {time.time() - t0:.0f} s", flush=True)
ranks = {tuple(m.split(" ")): i for i, m in enumerate(merges)}

cache = {}
def encode_piece(p):
    if p in cache:
        return cache[p]
    w = list(p)
    while len(w) > 1:
        best = min(((ranks.get((w[i], w[i + 1]), 1 << 30), i) for i in range(len(w) - 1)))
        if best[0] == 1 << 30:
            break
        i = best[1]
        w = w[:i] + [w[i] + w[i + 1]] + w[i + 2:]
    ids = [vocab[x] for x in w]
    cache[p] = ids
    return ids

def encode(s):
    return [i for p in pieces(s) for i in encode_piece(p)]

train_ids = torch.tensor(encode(train_text), dtype=torch.long)
val_ids = torch.tensor(encode(val_text), dtype=torch.long)
print(f"tokens: train {len(train_ids)}, validation {len(val_ids)}", flush=True)

# --- the model ---
class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__(); self.eps = eps; self.weight = nn.Parameter(torch.ones(d))
    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight

def rope(x, pos):  # x [B, H, T, Dh], pos [B, T]
    dh = x.shape[-1]
    inv = 1.0 / (10000 ** (torch.arange(0, dh, 2, dtype=torch.float32) / dh))
    ang = pos.to(torch.float32).unsqueeze(-1) * inv  # [B, T, Dh/2]
    cos = torch.cat([ang.cos(), ang.cos()], -1).unsqueeze(1)
    sin = torch.cat([ang.sin(), ang.sin()], -1).unsqueeze(1)
    x1, x2 = x[..., : dh // 2], x[..., dh // 2 :]
    return x * cos + torch.cat([-x2, x1], -1) * sin

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.n1 = RMSNorm(D); self.n2 = RMSNorm(D)
        self.q = nn.Linear(D, D, bias=False); self.k = nn.Linear(D, D, bias=False)
        self.v = nn.Linear(D, D, bias=False); self.o = nn.Linear(D, D, bias=False)
        self.gate = nn.Linear(D, FFN, bias=False); self.up = nn.Linear(D, FFN, bias=False)
        self.down = nn.Linear(FFN, D, bias=False)
    def forward(self, x, pos, mask, pk, pv):
        B, T, _ = x.shape
        h = self.n1(x)
        sh = lambda t: t.view(B, T, HEADS, D // HEADS).transpose(1, 2)
        q, k, v = rope(sh(self.q(h)), pos), rope(sh(self.k(h)), pos), sh(self.v(h))
        k = torch.cat([pk, k], 2); v = torch.cat([pv, v], 2)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(D // HEADS) + mask
        y = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, T, D)
        x = x + self.o(y)
        h = self.n2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h)), k, v

class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, D); self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.norm = RMSNorm(D)
        nn.init.normal_(self.emb.weight, std=0.02)
    def forward(self, ids, attention_mask, pos, past):
        B, T = ids.shape
        P = past[0].shape[2]
        # query i (absolute position P + i) sees key j when j <= P + i and the key is not padding
        j = torch.arange(P + T).view(1, 1, 1, P + T)
        i = torch.arange(T).view(1, 1, T, 1) + P
        ok = (j <= i) & (attention_mask.view(B, 1, 1, P + T) > 0)
        mask = torch.where(ok, torch.zeros(()), torch.full((), -1e9))
        x = self.emb(ids)
        present = []
        for n, blk in enumerate(self.blocks):
            x, k, v = blk(x, pos, mask, past[2 * n], past[2 * n + 1])
            present += [k, v]
        return self.norm(x) @ self.emb.weight.t(), present

model = Model()
print(f"parameters: {sum(p.numel() for p in model.parameters())}", flush=True)
empty = lambda B: [torch.zeros(B, HEADS, 0, D // HEADS) for _ in range(2 * LAYERS)]

def batch(ids, B):
    ix = torch.randint(0, len(ids) - CTX - 1, (B,))
    x = torch.stack([ids[i : i + CTX] for i in ix]); y = torch.stack([ids[i + 1 : i + CTX + 1] for i in ix])
    return x, y

def loss_of(x, y):
    B, T = x.shape
    logits, _ = model(x, torch.ones(B, T, dtype=torch.long), torch.arange(T).expand(B, T), empty(B))
    return F.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1))

opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.05, betas=(0.9, 0.95))
losses = []
t0 = time.time()
for step in range(STEPS):
    lr = LR * min(1.0, (step + 1) / 100) * 0.5 * (1 + math.cos(math.pi * step / STEPS))
    for g in opt.param_groups: g["lr"] = lr
    x, y = batch(train_ids, BATCH)
    loss = loss_of(x, y)
    opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step()
    losses.append(loss.item())
    if step % 100 == 0 or step == STEPS - 1:
        print(f"step {step} loss {sum(losses[-100:]) / len(losses[-100:]):.3f} ({time.time() - t0:.0f} s)", flush=True)

model.eval()
with torch.no_grad():
    n, tot = 0, 0.0
    for s in range(0, len(val_ids) - CTX - 1, CTX):
        x = val_ids[s : s + CTX].unsqueeze(0); y = val_ids[s + 1 : s + CTX + 1].unsqueeze(0)
        tot += loss_of(x, y).item() * CTX; n += CTX
    val_loss = tot / n
print(f"validation loss {val_loss:.3f}, perplexity {math.exp(val_loss):.1f} (per token)", flush=True)

# --- export ---
os.makedirs(f"{OUT}/onnx", exist_ok=True)
class Export(nn.Module):
    def __init__(self, m):
        super().__init__(); self.m = m
    def forward(self, input_ids, attention_mask, position_ids, *past):
        logits, present = self.m(input_ids, attention_mask, position_ids, list(past))
        return (logits, *present)
names_past = [f"past_key_values.{i}.{kv}" for i in range(LAYERS) for kv in ("key", "value")]
names_present = [f"present.{i}.{kv}" for i in range(LAYERS) for kv in ("key", "value")]
dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"}, "attention_mask": {0: "batch_size", 1: "total_sequence_length"},
       "position_ids": {0: "batch_size", 1: "sequence_length"}, "logits": {0: "batch_size", 1: "sequence_length"}}
for n in names_past: dyn[n] = {0: "batch_size", 2: "past_sequence_length"}
for n in names_present: dyn[n] = {0: "batch_size", 2: "total_sequence_length"}
ex_ids = torch.tensor([[1, 2, 3]])
past = [torch.zeros(1, HEADS, 2, D // HEADS) for _ in range(2 * LAYERS)]
torch.onnx.export(Export(model), (ex_ids, torch.ones(1, 5, dtype=torch.long), torch.tensor([[2, 3, 4]]), *past),
                  f"{OUT}/onnx/model.onnx", input_names=["input_ids", "attention_mask", "position_ids", *names_past],
                  output_names=["logits", *names_present], dynamic_axes=dyn, opset_version=14)

json.dump({"model_type": "llama", "architectures": ["LlamaForCausalLM"], "vocab_size": VOCAB, "hidden_size": D,
           "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "num_key_value_heads": HEADS,
           "intermediate_size": FFN, "max_position_embeddings": 4096, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
           "tie_word_embeddings": True, "bos_token_id": 0, "eos_token_id": 0, "pad_token_id": 0},
          open(f"{OUT}/config.json", "w"), indent=2)
json.dump({"bos_token_id": 0, "eos_token_id": 0, "pad_token_id": 0, "do_sample": True, "temperature": 0.8,
           "top_p": 0.95, "max_new_tokens": 64}, open(f"{OUT}/generation_config.json", "w"), indent=2)
json.dump({"version": "1.0", "truncation": None, "padding": None,
           "added_tokens": [{"id": 0, "content": EOS, "single_word": False, "lstrip": False, "rstrip": False,
                             "normalized": False, "special": True}],
           "normalizer": None,
           "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
           "post_processor": None,
           "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
           "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                     "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                     "vocab": vocab, "merges": merges}},
          open(f"{OUT}/tokenizer.json", "w"), ensure_ascii=False)
json.dump({"tokenizer_class": "PreTrainedTokenizerFast", "eos_token": EOS, "bos_token": EOS,
           "model_max_length": 4096, "clean_up_tokenization_spaces": False}, open(f"{OUT}/tokenizer_config.json", "w"), indent=2)
json.dump({"seed": SEED, "corpus": "King James Version, Debian bible-kjv-text via `bible -l2000 gen1:1-rev22:21`, "
           "verse numbers and headings dropped, one verse per line; last 2% held out for validation",
           "tokenizer": f"byte-level BPE, {VOCAB} tokens ({len(merges)} merges) trained on the training split",
           "model": {"layers": LAYERS, "hidden": D, "heads": HEADS, "ffn": FFN, "context": CTX,
                     "parameters": sum(p.numel() for p in model.parameters())},
           "training": {"steps": STEPS, "batch": BATCH, "lr": LR, "optimizer": "AdamW(0.9, 0.95), wd 0.05, cosine",
                        "seconds": round(time.time() - t0), "final_train_loss": sum(losses[-100:]) / 100},
           "validation": {"loss": val_loss, "perplexity": math.exp(val_loss)},
           "torch": torch.__version__}, open(f"{OUT}/training.json", "w"), indent=2)
print("exported to", OUT, flush=True)
