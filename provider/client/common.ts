import { z } from "zod";

/** FeatBit answers `true` for most mutations. */
export const Ack = z.boolean();

/** Mutations that rotate a flag's revision return the new revision as a GUID string. */
export const Revision = z.string().min(1);

export const paged = <T extends z.ZodTypeAny>(item: T) =>
  z.object({
    totalCount: z.number(),
    items: z.array(item),
  });

export interface Paged<T> {
  totalCount: number;
  items: T[];
}

/** An optional change comment, stored in FeatBit's audit log. */
export interface WithComment {
  comment?: string;
}
