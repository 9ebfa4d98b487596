export function layoutConstants(source: string): [string, number][];
export function layoutModule(source: string): string;
