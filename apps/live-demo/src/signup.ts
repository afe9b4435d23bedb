/** The signup form's fields, as the form sends them (`user[name]`, `user[email]`). */
export interface SignupForm {
  name: string;
  email: string;
}

export type SignupErrors = Partial<Record<keyof SignupForm, string>>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The rules of the form: both fields required, the email must look like one.
 *
 * @example
 * validate({ name: "", email: "ada@" }) // { name: "can't be blank", email: "is not a valid email" }
 */
export function validate(form: SignupForm): SignupErrors {
  const errors: SignupErrors = {};
  if (form.name.trim() === "") errors.name = "can't be blank";
  if (form.email.trim() === "") errors.email = "can't be blank";
  else if (!EMAIL.test(form.email.trim())) errors.email = "is not a valid email";
  return errors;
}

/** Reads the form out of decoded params; missing fields are empty. */
export function readForm(params: Record<string, unknown>): { form: SignupForm; unused: Set<keyof SignupForm> } {
  const user = (typeof params.user === "object" && params.user !== null ? params.user : {}) as Record<string, unknown>;
  const text = (key: string) => (typeof user[key] === "string" ? (user[key] as string) : "");
  // The client marks fields the user has not touched yet with `_unused_<field>`.
  const unused = new Set((["name", "email"] as const).filter((field) => `_unused_${field}` in user));
  return { form: { name: text("name"), email: text("email") }, unused };
}

/** The errors to show while typing: only for fields the user has touched. */
export function visibleErrors(errors: SignupErrors, unused: Set<keyof SignupForm>): SignupErrors {
  const shown: SignupErrors = {};
  for (const [field, message] of Object.entries(errors) as [keyof SignupForm, string][]) if (!unused.has(field)) shown[field] = message;
  return shown;
}
