/** One measured figure of a benchmark run. */
export type BenchRow = { name: string; value: number; unit: string; note?: string };
