import { z } from 'zod';

/** A feed catalogue entry: one JSON file per outlet in `feeds/`. Curated data, validated at start-up. */
export const FeedConfigSchema = z
  .object({
    /** Lowercase slug, equal to the file name without `.json`. */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a lowercase slug: letters, digits and dashes'),
    name: z.string().min(1).max(200),
    url: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//i.test(u), 'an http or https URL'),
    language: z.enum(['de', 'en']),
    /** `privacy`: a privacy-only outlet (the relevance bar is lower); `general`: general tech news. */
    scope: z.enum(['privacy', 'general']),
    /** Fetch the article page and extract its text: for feeds that carry only a teaser. */
    fullText: z.boolean(),
    enabled: z.boolean(),
    /** Poll this feed at most every N minutes (default: every cycle). */
    intervalMinutes: z.number().int().min(1).max(24 * 60).optional(),
    /** On the very first poll, announce the newest N items instead of marking all as known. */
    backfill: z.number().int().min(0).max(100).optional(),
    /**
     * How the outlet's older items can be read, for `privacy-radar backfill`: `wordpress` (the default) pages the
     * feed back with `?paged=2`, `?paged=3`, …; `pages` lists archive feed documents (older first or newer first,
     * as the outlet keeps them); `none` has no archive beyond the feed itself.
     */
    archive: z
      .discriminatedUnion('style', [
        z.object({ style: z.literal('wordpress') }).strict(),
        z
          .object({
            style: z.literal('pages'),
            urls: z
              .array(z.string().url().refine((u) => /^https?:\/\//i.test(u), 'an http or https URL'))
              .min(1)
              .max(1000),
          })
          .strict(),
        z.object({ style: z.literal('none') }).strict(),
      ])
      .optional(),
    homepage: z.string().url().optional(),
    /** False where the URL could not be verified when the file was written. */
    verified: z.boolean().optional(),
    notes: z.string().max(2000).optional(),
  })
  .strict();

export type FeedConfig = z.infer<typeof FeedConfigSchema>;
export type Language = FeedConfig['language'];
