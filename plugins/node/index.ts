// The Node.js application plugin: `type: "node"` runs an app as it is.
export const descriptor = {
  type: 'node',
  version: process.versions.node,
};
