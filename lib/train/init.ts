/**
 * Seeded initialisation as torch.nn.Linear.reset_parameters: weights from
 * kaiming_uniform_(a = sqrt(5)), i.e. U(-1/sqrt(fanIn), 1/sqrt(fanIn)), and the
 * bias from the same bound. (The values differ from torch's, the distribution does not.)
 */
import { Rng } from './rng';

/** U(-bound, bound) with bound = gain * sqrt(3 / fanIn), gain = sqrt(2 / (1 + a^2)) (torch's leaky_relu gain). */
export function kaimingUniform(out: Float32Array, fanIn: number, rng: Rng, a = Math.sqrt(5)): Float32Array {
  const bound = Math.sqrt(2 / (1 + a * a)) * Math.sqrt(3 / fanIn);
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}

/** torch.nn.Linear's bias: U(-1/sqrt(fanIn), 1/sqrt(fanIn)). */
export function linearBiasUniform(out: Float32Array, fanIn: number, rng: Rng): Float32Array {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-bound, bound);
  return out;
}
