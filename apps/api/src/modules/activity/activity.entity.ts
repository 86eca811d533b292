/** One time bucket of activity, as the repository returns it (the `activity` table is written by the analyzer). */
export interface ActivityBucket {
  bucket: Date;
  syscalls: number;
  fileOpens: number;
  execs: number;
  netOps: number;
  processes: number;
  alerts: number;
}

/** A bucket with nothing in it (gap-fill). */
export const emptyBucket = (bucket: Date): ActivityBucket => ({ bucket, syscalls: 0, fileOpens: 0, execs: 0, netOps: 0, processes: 0, alerts: 0 });
