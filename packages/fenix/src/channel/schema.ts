import { andThen } from "../util/maybe.js";
import type { MaybePromise } from "../util/maybe.js";

/**
 * The Standard Schema interface (standardschema.dev), which zod (≥ 3.24), valibot and arktype
 * implement: Fenix validates payloads through it and infers handler payload types from it.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined }> };

/** A channel's payload schemas by event; `"phx_join"` checks the join payload. */
export type Schemas = Readonly<Record<string, StandardSchemaV1>>;

/** The validated payload type of a schema. */
export type InferOutput<S> = S extends StandardSchemaV1<any, infer O> ? O : unknown;

export interface PayloadError {
  path: string;
  message: string;
}

export type Checked = { ok: true; value: unknown } | { ok: false; errors: PayloadError[] };

function checked(result: StandardResult<unknown>): Checked {
  if (result.issues === undefined) return { ok: true, value: result.value };
  return {
    ok: false,
    errors: result.issues.map((issue) => ({
      path: (issue.path ?? []).map((p) => String(typeof p === "object" && p !== null ? p.key : p)).join("."),
      message: issue.message,
    })),
  };
}

/** Validates a payload; synchronous whenever the schema is (zod, valibot and arktype are). */
export function validate(schema: StandardSchemaV1, payload: unknown): MaybePromise<Checked> {
  return andThen(schema["~standard"].validate(payload), checked);
}
