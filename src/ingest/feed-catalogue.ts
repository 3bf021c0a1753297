import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { FeedConfigSchema, type FeedConfig } from '../model/feed.ts';

/** A catalogue file that could not be used: reported by name and field, then skipped. */
export interface CatalogueProblem {
  file: string;
  message: string;
}

export interface FeedCatalogue {
  feeds: FeedConfig[];
  problems: CatalogueProblem[];
}

const MAX_FILE_BYTES = 64 * 1024;

/**
 * Loads `<dir>/*.json`, one outlet per file. A broken file never stops the others:
 * it is reported with its name and the offending field and left out.
 * Disabled feeds are returned too (`enabled: false`); callers filter.
 */
export async function loadFeedCatalogue(dir: string): Promise<FeedCatalogue> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'folder not found' : String(error);
    return { feeds: [], problems: [{ file: dir, message: reason }] };
  }
  const feeds: FeedConfig[] = [];
  const problems: CatalogueProblem[] = [];
  const seenIds = new Map<string, string>();
  const seenUrls = new Map<string, string>();
  for (const name of names) {
    const result = await loadOne(path.join(dir, name));
    if ('message' in result) {
      problems.push({ file: name, message: result.message });
      continue;
    }
    const feed = result.feed;
    const expectedId = name.slice(0, -'.json'.length);
    if (feed.id !== expectedId) {
      problems.push({ file: name, message: `id: "${feed.id}" must equal the file name "${expectedId}"` });
      continue;
    }
    const idTwin = seenIds.get(feed.id);
    const urlTwin = seenUrls.get(feed.url);
    if (idTwin !== undefined || urlTwin !== undefined) {
      problems.push({ file: name, message: `url: the same feed is already defined in ${idTwin ?? urlTwin}` });
      continue;
    }
    seenIds.set(feed.id, name);
    seenUrls.set(feed.url, name);
    feeds.push(feed);
  }
  return { feeds, problems };
}

async function loadOne(file: string): Promise<{ feed: FeedConfig } | { message: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return { message: `cannot read: ${(error as Error).message}` };
  }
  if (text.length > MAX_FILE_BYTES) return { message: `file is larger than ${MAX_FILE_BYTES / 1024} KB` };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { message: `not valid JSON: ${(error as Error).message}` };
  }
  const parsed = FeedConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || '(file)';
    const message = issue.code === 'unrecognized_keys' ? `unknown field ${issue.keys.join(', ')}` : issue.message;
    return { message: `${field}: ${message}` };
  }
  return { feed: parsed.data };
}
