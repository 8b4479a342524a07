/** Globs on absolute names: `*` spans labels, `?` is one character; a glob without a final dot gets one. */
const globCache = new Map<string, RegExp>();
export function globMatches(glob: string, value: string): boolean {
  let re = globCache.get(glob);
  if (re === undefined) {
    const absolute = glob.endsWith('.') || glob.endsWith('*') ? glob : `${glob}.`;
    re = new RegExp(
      `^${absolute
        .toLowerCase()
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    globCache.set(glob, re);
  }
  return re.test(value.toLowerCase());
}
