import { accuracy, Rng, trainEpoch } from './lib/train';
import { buildModel, buildOptimizer, scheduleFor, type ConfigName } from './examples/fashion-mnist/configs';
import { loadFashionMnist } from './examples/fashion-mnist/data';
const s = scheduleFor((process.env.SCHEDULE ?? 'default') as 'default');
const data = loadFashionMnist('auto');
const configs = process.argv.slice(2) as ConfigName[];
for (const seed of [1, 2, 3]) {
  const accs = configs.map((c) => {
    const m = buildModel(c, s.widths, seed, s);
    const o = buildOptimizer(c, m, s);
    const rng = new Rng(seed);
    for (let e = 0; e < s.epochs; e++) trainEpoch(m, data.train, o, { batchSize: s.batch, rng });
    return (100 * accuracy((x) => m.forward(x, false), data.test)).toFixed(2);
  });
  console.log(seed, configs.map((c, k) => `${c} ${accs[k]}`).join('  '));
}
