/**
 * A trained model on disk, for serving: model.json (shapes, table format,
 * MLP parameter lengths), tables.bin (the tables' bytes, one after another)
 * and mlp.bin (the MLPs' float32 parameters in params() order).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { embeddingTable, rowBytes, Rng, type EmbeddingTable, type TableFormat } from '../../lib';
import { buildMlps, Dlrm, type DlrmShape } from './dlrm';

interface ModelJson {
  shape: DlrmShape;
  format: TableFormat;
  params: number[];
}

export function saveModel(dir: string, m: Dlrm, tables: EmbeddingTable[]): void {
  fs.mkdirSync(dir, { recursive: true });
  const params = [...m.bottom.params(), ...m.top.params()];
  const json: ModelJson = { shape: { tableRows: tables.map((t) => t.rows), dim: m.dim }, format: tables[0].format, params: params.map((p) => p.data.length) };
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  const fd = fs.openSync(path.join(dir, 'tables.bin'), 'w');
  for (const t of tables) fs.writeSync(fd, t.data);
  fs.closeSync(fd);
  fs.writeFileSync(path.join(dir, 'mlp.bin'), Buffer.concat(params.map((p) => Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength))));
}

/** Loads a saved model with fp32 MLPs (the tables as saved: rowwise4 for serving). */
export function loadModel(dir: string): Dlrm {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as ModelJson;
  const { bottom, top } = buildMlps(json.shape, 'fp32', new Rng(0));
  const params = [...bottom.params(), ...top.params()];
  if (params.length !== json.params.length || params.some((p, i) => p.data.length !== json.params[i])) {
    throw new Error(`${dir}: the MLP shapes do not match model.json`);
  }
  const mlp = fs.readFileSync(path.join(dir, 'mlp.bin'));
  let at = 0;
  for (const p of params) {
    p.data.set(new Float32Array(mlp.buffer.slice(mlp.byteOffset + at, mlp.byteOffset + at + p.data.byteLength)));
    at += p.data.byteLength;
  }
  const fd = fs.openSync(path.join(dir, 'tables.bin'), 'r');
  const tables = json.shape.tableRows.map((rows) => {
    const bytes = rows * rowBytes(json.format, json.shape.dim);
    const buf = new Uint8Array(bytes);
    fs.readSync(fd, buf, 0, bytes, null);
    const data = json.format === 'float32' ? new Float32Array(buf.buffer) : buf;
    return embeddingTable(json.format, rows, json.shape.dim, data as never);
  });
  fs.closeSync(fd);
  return new Dlrm(tables, bottom, top);
}
