// Schema fragments the application plugins share.
export function stringArray(title: string, description: string): Record<string, unknown> {
  return { title, description, type: 'array', items: { type: 'string' } };
}
