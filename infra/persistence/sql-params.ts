/** Positional parameters of a query being built: `p(value)` adds one and returns its placeholder (`$1`, `$2`, …). */
export function sqlParams(): { params: unknown[]; p: (value: unknown) => string } {
  const params: unknown[] = [];
  return {
    params,
    p: (value) => {
      params.push(value);
      return `$${params.length}`;
    },
  };
}
