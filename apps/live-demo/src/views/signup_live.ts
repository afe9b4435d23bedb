import { defineView, html } from "@fenix/live";
import { readForm, validate, visibleErrors } from "../signup.js";
import type { SignupErrors, SignupForm } from "../signup.js";

interface SignupAssigns {
  form: SignupForm;
  errors: SignupErrors;
  welcome: string | null;
}

const field = (name: keyof SignupForm, label: string, value: string, error: string | undefined) =>
  html`<div class="field"><label for="user_${name}">${label}</label>
<input type="text" id="user_${name}" name="user[${name}]" value="${value}">
${error ? html`<p class="error" data-field="${name}">${error}</p>` : ""}</div>`;

/** A form live view: errors under each field while typing, a welcome once it is valid. */
export const SignupLive = defineView<SignupAssigns>({
  name: "SignupLive",
  mount(_params, _session, socket) {
    socket.assign({ form: { name: "", email: "" }, errors: {}, welcome: null, pageTitle: "Sign up" });
  },
  render: ({ form, errors, welcome }) => html`<h1>Sign up</h1>
${
  welcome
    ? html`<p class="welcome">Welcome, ${welcome}!</p>`
    : html`<form id="signup" phx-change="validate" phx-submit="save">
${field("name", "Name", form.name, errors.name)}
${field("email", "Email", form.email, errors.email)}
<button type="submit">Sign up</button>
</form>`
}
<nav><a href="/counter" data-phx-link="redirect" data-phx-link-state="push">Counter</a></nav>`,
  handleEvent(event, value, socket) {
    const { form, unused } = readForm(value);
    const errors = validate(form);
    if (event === "validate") socket.assign({ form, errors: visibleErrors(errors, unused) });
    else if (event === "save") {
      if (Object.keys(errors).length === 0) socket.assign({ form, errors: {}, welcome: form.name.trim() });
      else socket.assign({ form, errors });
    }
  },
});
