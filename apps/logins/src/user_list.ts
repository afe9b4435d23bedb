// The login list as plain data: no duplicates, newest first, and whether an operation changed it
// (only a change is announced to subscribers).

/** Letters, digits, `_`, `-` and `.`, 1 to 64 of them. */
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Whether `name` may log in or out.
 *
 * @example
 * validName("yay"); // true
 * validName("a b"); // false
 */
export function validName(name: unknown): name is string {
  return typeof name === "string" && NAME.test(name);
}

/** Why `name` is refused, for the 400 answer. */
export function nameError(name: unknown): string {
  const shown = typeof name === "string" && name.length > 80 ? `${name.slice(0, 80)}…` : name;
  return `invalid user name ${JSON.stringify(shown)}: use 1-64 letters, digits, "_", "-" or "."`;
}

export interface Outcome {
  users: string[];
  /** False when the list is the same as before (nothing to announce). */
  changed: boolean;
}

/**
 * Puts `user` first unless already present.
 *
 * @example
 * addUser(["ann"], "yay"); // { users: ["yay", "ann"], changed: true }
 * addUser(["yay"], "yay"); // { users: ["yay"], changed: false }
 */
export function addUser(users: readonly string[], user: string): Outcome {
  if (users.includes(user)) return { users: [...users], changed: false };
  return { users: [user, ...users], changed: true };
}

/**
 * Removes `user` if present.
 *
 * @example
 * delUser(["yay", "ann"], "yay"); // { users: ["ann"], changed: true }
 * delUser(["ann"], "yay");        // { users: ["ann"], changed: false }
 */
export function delUser(users: readonly string[], user: string): Outcome {
  if (!users.includes(user)) return { users: [...users], changed: false };
  return { users: users.filter((u) => u !== user), changed: true };
}
