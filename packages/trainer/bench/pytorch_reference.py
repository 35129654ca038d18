"""The bench workloads in PyTorch on the CPU, for scale: the MLP 8-100-1 Adam step (batch 1024,
MSE) and the conv layer (3x3 SAME, 32x32, C->C, batch 32, ReLU, mean-square loss, forward +
backward to the weights) that training-step.bench.mjs and conv-step.bench.mjs time on wasm.
Prints one JSON object. Usage: python3 pytorch_reference.py --threads 1 [--mlp-steps 200] [--conv-steps 8]
"""
import argparse
import json
import time

import torch


def timed(step, warmup, steps):
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"medianMs": times[len(times) // 2], "p10Ms": times[int(0.1 * (len(times) - 1))], "p90Ms": times[int(0.9 * (len(times) - 1))]}


def mlp_step(steps):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(1024, 8, generator=g)
    y = torch.randn(1024, 1, generator=g)
    model = torch.nn.Sequential(torch.nn.Linear(8, 100), torch.nn.ReLU(), torch.nn.Linear(100, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        loss.item()  # the JS bench reads the loss back too

    return timed(step, 5, steps)


def conv_layer(steps, channels, batch):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(batch, channels, 32, 32, generator=g)
    conv = torch.nn.Conv2d(channels, channels, 3, padding=1)

    def step():
        conv.zero_grad(set_to_none=True)
        loss = torch.relu(conv(x)).square().mean()
        loss.backward()
        loss.item()

    return timed(step, 2, steps)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--mlp-steps", type=int, default=200)
    parser.add_argument("--conv-steps", type=int, default=8)
    parser.add_argument("--channels", type=int, default=128)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "mlpStep": mlp_step(args.mlp_steps),
        "convLayer": conv_layer(args.conv_steps, args.channels, args.batch),
    }))


if __name__ == "__main__":
    main()
