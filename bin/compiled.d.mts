// Types of bin/compiled.mjs for the tests that import it.
export interface Tree {
  src: string;
  out: string;
}
export function build(tree?: Tree, files?: string[]): Promise<void>;
export function compiledEntry(tree?: Tree): Promise<string>;
