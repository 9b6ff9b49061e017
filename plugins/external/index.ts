// `type: "external"`: any program, as Unit's config writes it; a Node
// program gets Weft's loader injected.
export const descriptor = {
  type: 'external',
  version: process.versions.node,
};
