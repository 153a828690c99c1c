/**
 * Text from files (ONNX node names, paths) made safe to print: control
 * characters and bidirectional overrides are shown as \u{..} escapes, so a
 * name cannot move the cursor, recolour or rewrite what the terminal shows.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

export function terminalSafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}
