"""PyTorch peer of armed's dense models, for bench/run.sh: the same networks (FE MLP 4-4-4 with
Glorot init, adversary 4-4, random intercept + slopes on the last hidden layer sampled per row),
the same losses (BCE(mixed) + BCE(fixed) - 0.5 CE(adversary) + 1e-5 KL; conventional: BCE), the
same loop (shuffle, gather each minibatch, adversary step then main step, two Adam optimizers),
batch sizes, timing (whole epochs during at least SECONDS) and thread counts. Prints one JSON
line per setting, then, given armed's lines, the same-loss check (armed's initial weights loaded
here, one step's loss terms compared) and the table of ratios.

usage: peer.py SPIRAL.csv SECONDS [ARMED.jsonl]
"""
import csv
import json
import math
import resource
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class MLP(nn.Module):
    def __init__(self, inputs, hidden, outputs):
        super().__init__()
        sizes = [inputs] + hidden
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.out = nn.Linear(sizes[-1], outputs)
        for layer in list(self.hidden) + [self.out]:
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def forward(self, x):
        hiddens = []
        for layer in self.hidden:
            x = torch.relu(layer(x))
            hiddens.append(x)
        return self.out(x), hiddens


class RandomEffects(nn.Module):
    def __init__(self, clusters, prior):
        super().__init__()
        prior = torch.tensor(prior)
        self.loc = nn.Parameter(torch.randn(clusters, len(prior)) * prior)
        init = torch.rand(clusters, len(prior)) * 0.05 + 0.05
        self.raw_scale = nn.Parameter(torch.log(torch.expm1(init)))
        self.register_buffer("prior", prior)

    def forward(self, ids):
        loc = self.loc[ids]
        if not self.training:
            return loc
        return loc + (1e-5 + F.softplus(self.raw_scale[ids])) * torch.randn_like(loc)

    def kl(self):
        s, p = 1e-5 + F.softplus(self.raw_scale), self.prior
        return (torch.log(p) - torch.log(s) + (s ** 2 + self.loc ** 2) / (2 * p ** 2) - 0.5).sum()


class Armed(nn.Module):
    def __init__(self, features, clusters, armed):
        super().__init__()
        self.fe = MLP(features, [4, 4, 4], 1)
        self.armed = armed
        if armed:
            self.adversary = MLP(12, [4, 4], clusters)
            self.re = RandomEffects(clusters, [0.1, 0.3, 0.3, 0.3, 0.3])

    def forward(self, x, ids):
        fixed, hiddens = self.fe(x)
        fixed = fixed.squeeze(1)
        if not self.armed:
            return fixed, fixed, None
        design = torch.cat([torch.ones_like(fixed).unsqueeze(1), hiddens[-1]], 1)
        mixed = fixed + (self.re(ids) * design).sum(1)
        return mixed, fixed, torch.cat(hiddens, 1)


def train_epoch(net, main_opt, adv_opt, x, y, ids, batch):
    order = torch.randperm(len(x))
    for start in range(0, len(x), batch):
        index = order[start:start + batch]
        xb, yb, zb = x[index], y[index], ids[index]
        mixed, fixed, hidden = net(xb, zb)
        if not net.armed:
            loss = F.binary_cross_entropy_with_logits(mixed, yb)
        else:
            adv_loss = F.cross_entropy(net.adversary(hidden.detach())[0], zb)
            adv_opt.zero_grad()
            adv_loss.backward()
            adv_opt.step()
            loss = (F.binary_cross_entropy_with_logits(mixed, yb) + F.binary_cross_entropy_with_logits(fixed, yb)
                    + 1e-5 * net.re.kl() - 0.5 * F.cross_entropy(net.adversary(hidden)[0], zb))
        main_opt.zero_grad()
        loss.backward()
        main_opt.step()
        loss.item()  # as a training loop that reports its loss does


def loss_check(check, x, y, ids):
    """Loads armed's initial weights, takes the step armed took (first 256 rows, evaluation mode,
    so nothing is sampled) and returns (term, armed, PyTorch) for each loss term."""
    net = Armed(2, 10, True)
    groups = {"fe": "fixed_effects.", "adversary": "adversary.", "re": "random_effects."}
    for ours, prefix in groups.items():
        theirs = [w for w in check["weights"] if w["name"].startswith(prefix)]
        mine = [p for name, p in net.named_parameters() if name.startswith(ours + ".")]
        assert len(theirs) == len(mine), (ours, len(theirs), len(mine))
        with torch.no_grad():
            for p, w in zip(mine, theirs):
                p.copy_(torch.tensor(w["values"]).view(w["shape"]))
    net.eval()
    xb, yb, zb = x[:256], y[:256], ids[:256]
    adv_opt = torch.optim.Adam(net.adversary.parameters(), lr=1e-3)
    mixed, fixed, hidden = net(xb, zb)
    adversary = F.cross_entropy(net.adversary(hidden.detach())[0], zb)
    adv_opt.zero_grad()
    adversary.backward()
    adv_opt.step()
    terms = {"mixed": F.binary_cross_entropy_with_logits(mixed, yb), "fixed": F.binary_cross_entropy_with_logits(fixed, yb),
             "kl": net.re.kl(), "adversary": adversary}
    terms["total"] = (terms["mixed"] + terms["fixed"] + 1e-5 * terms["kl"]
                      - 0.5 * F.cross_entropy(net.adversary(hidden)[0], zb))
    return [(name, check["terms"][name], value.item()) for name, value in terms.items()]


def main():
    path, min_seconds = sys.argv[1], float(sys.argv[2])
    with open(path) as f:
        rows = list(csv.DictReader(f))
    x = torch.tensor([[float(r["x1"]), float(r["x2"])] for r in rows])
    x = (x - x.mean(0)) / x.std(0, unbiased=False)
    y = torch.tensor([float(r["y"]) for r in rows])
    ids = torch.tensor([int(r["cluster"]) for r in rows])
    results = []
    for model in ["conventional", "armed"]:
        for batch in [32, 512]:
            for threads in [1, 2]:
                torch.set_num_threads(threads)
                torch.manual_seed(0)
                net = Armed(2, 10, model == "armed")
                main_params = [p for name, p in net.named_parameters() if not name.startswith("adversary.")]
                main_opt = torch.optim.Adam(main_params, lr=1e-3)
                adv_opt = torch.optim.Adam(net.adversary.parameters(), lr=1e-3) if net.armed else None
                train_epoch(net, main_opt, adv_opt, x, y, ids, batch)  # warm-up
                start = time.perf_counter()
                epochs = 0
                while True:
                    train_epoch(net, main_opt, adv_opt, x, y, ids, batch)
                    epochs += 1
                    seconds = time.perf_counter() - start
                    if seconds >= min_seconds:
                        break
                train = epochs * len(x) / seconds
                net.eval()
                start = time.perf_counter()
                with torch.no_grad():
                    for _ in range(200):
                        net(x, ids)
                predict = 200 * len(x) / (time.perf_counter() - start)
                line = {"impl": "pytorch", "model": model, "batch": batch, "threads": threads,
                        "train_samples_per_s": train, "predict_rows_per_s": predict}
                print(json.dumps(line), flush=True)
                results.append(line)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"impl": "pytorch", "peak_rss_mib": peak}), flush=True)
    if len(sys.argv) > 3:
        with open(sys.argv[3]) as f:
            lines = list(map(json.loads, f))
        check = next(r["check"] for r in lines if "check" in r)
        print("\nsame loss from the same initial weights (armed's, one step on 256 rows, nothing sampled):")
        worst = 0.0
        for name, armed, peer in loss_check(check, x, y, ids):
            worst = max(worst, abs(armed - peer) / max(abs(peer), 1e-12))
            print("  %-10s armed %.7g  PyTorch %.7g" % (name, armed, peer))
        print("  largest relative difference %.1e" % worst)
        ours = {(r["model"], r["batch"], r["threads"]): r for r in lines if "model" in r}
        our_peak = next(r["peak_rss_mib"] for r in lines if "peak_rss_mib" in r)
        print("\nmodel          batch threads  armed train/s  PyTorch train/s  ratio  armed predict/s  PyTorch predict/s  ratio")
        for r in results:
            o = ours[(r["model"], r["batch"], r["threads"])]
            print("%-14s %5d %7d %14.0f %16.0f %6.2f %16.0f %18.0f %6.2f" % (
                r["model"], r["batch"], r["threads"], o["train_samples_per_s"], r["train_samples_per_s"],
                o["train_samples_per_s"] / r["train_samples_per_s"], o["predict_rows_per_s"], r["predict_rows_per_s"],
                o["predict_rows_per_s"] / r["predict_rows_per_s"]))
        print("\npeak resident memory of the whole process: armed %.0f MiB, PyTorch %.0f MiB (ratio %.2f)"
              % (our_peak, peak, our_peak / peak))


if __name__ == "__main__":
    main()
