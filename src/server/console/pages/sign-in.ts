/** The sign-in form: an access key id and its secret, as `aws configure` asks for them. */
import { h, type View } from "../layout.js";

export function signInView(
  csrf: string,
  o: { error?: string; accessKeyId?: string; status?: number; next?: string } = {},
): View {
  return {
    status: o.status ?? 200,
    title: "Sign in",
    section: "sign-in",
    main:
      "<h1>Sign in</h1>" +
      "<p>Use an access key of your account (<code>amigate accounts create</code> prints one), the same key " +
      "the AWS CLI signs with.</p>" +
      (o.error ? `<p class="alert" role="alert" id="sign-in-error">${h(o.error)}</p>` : "") +
      `<form method="post" action="/sign-in${o.next ? `?next=${h(encodeURIComponent(o.next))}` : ""}">` +
      `<input type="hidden" name="csrf" value="${h(csrf)}">` +
      '<div class="field"><label for="access-key-id">Access key id</label>' +
      `<input type="text" id="access-key-id" name="accessKeyId" autocomplete="username" spellcheck="false" required value="${h(o.accessKeyId ?? "")}"${o.error ? ' aria-describedby="sign-in-error"' : ""}></div>` +
      '<div class="field"><label for="secret-access-key">Secret access key</label>' +
      '<input type="password" id="secret-access-key" name="secretAccessKey" autocomplete="current-password" required></div>' +
      '<button type="submit" class="primary">Sign in</button></form>',
  };
}

export function messageView(status: number, title: string, message: string): View {
  return { status, title, main: `<h1>${h(title)}</h1><p>${h(message)}</p>` };
}
