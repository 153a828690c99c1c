/** Ranking and calibration metrics of click predictions. */

/** Area under the ROC curve (Mann-Whitney U, ties counted half). */
export function auc(scores: Float32Array, labels: Uint8Array): number {
  const order = Array.from(scores.keys()).sort((a, b) => scores[a] - scores[b]);
  let pos = 0, neg = 0, rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && scores[order[j]] === scores[order[i]]) j++;
    const rank = (i + j + 1) / 2; // mean 1-based rank of the tie group
    for (let k = i; k < j; k++) {
      if (labels[order[k]]) {
        pos++;
        rankSum += rank;
      } else neg++;
    }
    i = j;
  }
  return pos === 0 || neg === 0 ? NaN : (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean binary cross-entropy of logits. */
export function logLoss(logits: Float32Array, labels: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += bce(logits[i], labels[i]);
  return sum / logits.length;
}

/** -log sigmoid(y) for a click, -log(1 - sigmoid(y)) otherwise, stable for large |y|. */
export function bce(y: number, label: number): number {
  const z = label ? -y : y;
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}
