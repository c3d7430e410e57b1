/** EC2 query responses: lowerCamel elements, lists as <xSet><item>…</item></xSet>, no Result wrapper. */
export const EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

export function xmlEscape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** An element with a scalar value; nothing when the value is absent. */
export function el(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) return "";
  return `<${name}>${typeof value === "string" ? xmlEscape(value) : String(value)}</${name}>`;
}

/** An element around already-rendered children. */
export function wrap(name: string, inner: string): string {
  return inner === "" ? `<${name}/>` : `<${name}>${inner}</${name}>`;
}

/** A list: each entry becomes an <item>. */
export function set(name: string, items: readonly string[]): string {
  return wrap(name, items.map((i) => `<item>${i}</item>`).join(""));
}

/** The response document: one buffer for a body given as text, pieces for a body given in pieces. */
export function renderEc2Response(
  action: string,
  requestId: string,
  body: string | Buffer[],
): Buffer | Buffer[] {
  const head = `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${EC2_NAMESPACE}"><requestId>${requestId}</requestId>`;
  const tail = `</${action}Response>`;
  if (typeof body === "string") return Buffer.from(head + body + tail);
  return [Buffer.from(head), ...body, Buffer.from(tail)];
}
