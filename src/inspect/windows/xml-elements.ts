/**
 * Elements of an XML-ish text found in one linear pass, for answer files a hostile image can fill
 * with millions of unclosed tags: a lazy `<X>([\s\S]*?)</X>` RegExp rescans to the end of the text
 * for every unclosed `<X>` (quadratic: a 1 MiB file took 15 s). Not an XML parser: tags are `<`,
 * an optional `/`, a name (an `ns:` prefix is ignored, case is not significant) and the text up to
 * the next `>`.
 */
export interface Element {
  /** Index of the opening tag's `<`. */
  start: number;
  /** The content: [contentStart, contentEnd). */
  contentStart: number;
  contentEnd: number;
}

interface Tag {
  closing: boolean;
  selfClosing: boolean;
  name: string;
  start: number;
  end: number;
}

function* tags(text: string): Generator<Tag> {
  // The next ">" is found once and reused until passed: each character is looked at a bounded
  // number of times, whatever the text.
  let gt = -1;
  for (let lt = text.indexOf("<"); lt >= 0; lt = text.indexOf("<", lt + 1)) {
    if (gt < lt) {
      gt = text.indexOf(">", lt);
      if (gt < 0) return;
    }
    const closing = text.charCodeAt(lt + 1) === 47; // "/"
    let i = lt + (closing ? 2 : 1);
    const nameStart = i;
    while (i < gt && /[\w:.-]/.test(text[i]!)) i++;
    if (i === nameStart) continue;
    const after = text[i]!;
    if (i < gt && !/\s|\//.test(after)) continue;
    const qualified = text.slice(nameStart, i);
    yield {
      closing,
      selfClosing: !closing && text.charCodeAt(gt - 1) === 47,
      name: qualified.slice(qualified.lastIndexOf(":") + 1).toLowerCase(),
      start: lt,
      end: gt + 1,
    };
  }
}

/**
 * Every `<name …>content</name>` in `text`, in order: an opening tag pairs with the first closing
 * tag of the same name after it (openings in between belong to its content).
 */
export function elements(text: string, name: string): Element[] {
  const wanted = name.toLowerCase();
  const out: Element[] = [];
  let open: Tag | undefined;
  for (const t of tags(text)) {
    if (t.name !== wanted || t.selfClosing) continue;
    if (!t.closing) open ??= t;
    else if (open) {
      out.push({ start: open.start, contentStart: open.end, contentEnd: t.start });
      open = undefined;
    }
  }
  return out;
}

/** The trimmed text of the first `<name>text</name>` in `text` whose content holds no markup. */
export function elementText(text: string, name: string): string | undefined {
  const wanted = name.toLowerCase();
  let previous: Tag | undefined;
  for (const t of tags(text)) {
    if (
      t.closing &&
      t.name === wanted &&
      previous &&
      !previous.closing &&
      !previous.selfClosing &&
      previous.name === wanted
    ) {
      const content = text.slice(previous.end, t.start);
      if (!content.includes("<")) return content.trim();
    }
    previous = t;
  }
  return undefined;
}

/** 1-based line numbers of indices into one text, from one pass over its newlines. */
export function lineIndex(text: string): (index: number) => number {
  const starts: number[] = [];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i);
  return (index) => {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! < index) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}
