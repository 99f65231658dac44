// Options of the bench and tool scripts, read with node:util's parseArgs (strict: an unknown
// option or a missing value is an error). Numbers are checked here, since parseArgs has no
// number type.
import { parseArgs } from 'node:util';

/**
 * `options` is parseArgs' table; every option whose `type` is 'number' is read as a string and
 * returned as a finite number. Throws, naming the option, on anything parseArgs refuses and on
 * a number that does not parse.
 */
export function readOptions(argv, options) {
  const table = {};
  for (const [name, spec] of Object.entries(options)) table[name] = { ...spec, type: spec.type === 'number' ? 'string' : spec.type };
  const { values, positionals } = parseArgs({ args: argv, options: table, strict: true, allowPositionals: false });
  for (const [name, spec] of Object.entries(options)) {
    if (spec.type !== 'number' || values[name] === undefined) continue;
    const n = Number(values[name]);
    if (values[name].trim() === '' || !Number.isFinite(n)) throw new Error(`--${name} needs a number, not "${values[name]}"`);
    values[name] = n;
  }
  return { values, positionals };
}
