// Types of bin/compiled.mjs for the tests that import it.
export interface Tree {
  src: string;
  out: string;
}
/** src/'s files (relative, sorted) and the key the stamp records. */
export interface Sources {
  files: string[];
  key: string;
}
export function build(tree?: Tree, sources?: Sources): Promise<void>;
export function compiledEntry(tree?: Tree): Promise<string>;
