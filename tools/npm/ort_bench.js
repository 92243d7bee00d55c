// Latency of an ONNX BERT model in ONNX Runtime (CPU): the peer fp8bench is
// compared with. Synthetic inputs (ids uniform below --vocab, mask 1, types 0).
//
// usage: node ort_bench.js MODEL.onnx [--batch B] [--seq S] [--threads N]
//                          [--warmup W] [--iterations I] [--vocab V]
// Prints one JSON line: {"median_ms", "p90_ms", "mean_ms", ...}.
'use strict';
const path = require('path');

async function main() {
  const args = process.argv.slice(2);
  const opt = {batch: 1, seq: 128, threads: 2, warmup: 3, iterations: 20, vocab: 30522};
  const model = args[0];
  for (let i = 1; i < args.length; i += 2) opt[args[i].replace(/^--/, '')] = Number(args[i + 1]);
  if (!model) {
    console.error('usage: node ort_bench.js MODEL.onnx [--batch B] [--seq S] [--threads N] ...');
    process.exit(2);
  }
  const modules = process.env.FP8SDK_NODE_MODULES || path.join(__dirname, 'node_modules');
  const ort = require(path.join(modules, 'onnxruntime-node'));
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: opt.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  const n = opt.batch * opt.seq;
  const ids = new BigInt64Array(n);
  for (let i = 0; i < n; ++i) ids[i] = BigInt(Math.floor(Math.random() * opt.vocab));
  const feeds = {};
  for (const name of session.inputNames) {
    const data = name === 'input_ids' ? ids : new BigInt64Array(n).fill(name === 'attention_mask' ? 1n : 0n);
    feeds[name] = new ort.Tensor('int64', data, [opt.batch, opt.seq]);
  }
  const times = [];
  for (let i = 0; i < opt.warmup + opt.iterations; ++i) {
    const t = process.hrtime.bigint();
    await session.run(feeds);
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (i >= opt.warmup) times.push(ms);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  console.log(JSON.stringify({
    model, ...opt, median_ms: sorted[Math.floor(sorted.length / 2)],
    p90_ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))], mean_ms: mean,
  }));
}

main().catch((e) => {
  console.error(`ort_bench: ${e.message}`);
  process.exit(1);
});
