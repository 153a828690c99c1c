/**
 * The few protobuf wire-format pieces an ONNX model needs: varints,
 * length-delimited fields (strings, bytes, sub-messages) and packed int64s.
 * Enough to write a model without python or a protobuf package.
 */

/** Unsigned LEB128 varint. Numbers up to 2^53 are exact, which covers every dim. */
export function varint(value: number): number[] {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`varint takes a non-negative integer, got ${value}`);
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

/** A message under construction: fields appended in order. */
export class Message {
  private readonly parts: Uint8Array[] = [];

  private key(field: number, wireType: number): void {
    this.parts.push(Uint8Array.from(varint(field * 8 + wireType)));
  }

  /** Wire type 0: int32/int64/enum fields (non-negative here). */
  int(field: number, value: number): this {
    this.key(field, 0);
    this.parts.push(Uint8Array.from(varint(value)));
    return this;
  }

  /** Wire type 2: bytes, or an embedded message. */
  bytes(field: number, data: Uint8Array): this {
    this.key(field, 2);
    this.parts.push(Uint8Array.from(varint(data.length)), data);
    return this;
  }

  string(field: number, text: string): this {
    return this.bytes(field, new TextEncoder().encode(text));
  }

  message(field: number, msg: Message): this {
    return this.bytes(field, msg.finish());
  }

  /** A repeated int64 written packed (proto3 default; ONNX readers accept it). */
  packedInts(field: number, values: readonly number[]): this {
    return this.bytes(field, Uint8Array.from(values.flatMap(varint)));
  }

  finish(): Uint8Array {
    const total = this.parts.reduce((s, p) => s + p.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}
