import { describe, expect, it } from 'vitest';
import { canonicalUrl } from '../../src/ingest/canonical-url.ts';

describe('canonicalUrl', () => {
  it('strips tracking parameters and keeps the others in their order and encoding', () => {
    expect(
      canonicalUrl(
        'https://www.heise.de/news/Artikel-123.html?seite=2&utm_source=rss&wt_mc=rss.red.ho.ho.atom&q=a%20b&fbclid=X1&gclid=Y&mc_cid=1&mc_eid=2&ref_src=twsrc&at_medium=rss&z',
      ),
    ).toBe('https://www.heise.de/news/Artikel-123.html?seite=2&q=a%20b&z');
  });

  it('matches tracking parameters case-insensitively and by prefix', () => {
    expect(canonicalUrl('https://x.example/a?UTM_Source=x&utm_whatever=y&Wt_Zmc=z&id=7')).toBe('https://x.example/a?id=7');
  });

  it('drops the query entirely when only tracking parameters were in it', () => {
    expect(canonicalUrl('https://x.example/a?utm_medium=feed&wt_mc=x')).toBe('https://x.example/a');
  });

  it('drops the fragment', () => {
    expect(canonicalUrl('https://x.example/a?id=1#comments')).toBe('https://x.example/a?id=1');
  });

  it("undoes golem.de's -rss.html suffix", () => {
    expect(canonicalUrl('https://www.golem.de/news/foo-1812-138280-rss.html')).toBe(
      'https://www.golem.de/news/foo-1812-138280.html',
    );
    expect(canonicalUrl('https://www.golem.de/1812/138280-rss.html')).toBe('https://www.golem.de/1812/138280.html');
  });

  it('leaves a -rss.html path on other sites alone', () => {
    expect(canonicalUrl('https://other.example/news/foo-rss.html')).toBe('https://other.example/news/foo-rss.html');
    expect(canonicalUrl('https://notgolem.de/news/foo-rss.html')).toBe('https://notgolem.de/news/foo-rss.html');
  });

  it('lowercases scheme and host, drops default ports and credentials, keeps path case', () => {
    expect(canonicalUrl('HTTPS://User:Secret@WWW.Example.COM:443/Path/To/Article.HTML')).toBe(
      'https://www.example.com/Path/To/Article.HTML',
    );
    expect(canonicalUrl('http://example.com:80/a')).toBe('http://example.com/a');
    expect(canonicalUrl('http://example.com:8080/a')).toBe('http://example.com:8080/a');
  });

  it('resolves relative links against the base', () => {
    expect(canonicalUrl('/artikel/x.html?utm_source=a', 'https://netzwacht.example/feed/')).toBe(
      'https://netzwacht.example/artikel/x.html',
    );
    expect(canonicalUrl('y.html', 'https://netzwacht.example/feed/')).toBe('https://netzwacht.example/feed/y.html');
    expect(canonicalUrl('//cdn.example/z', 'https://netzwacht.example/')).toBe('https://cdn.example/z');
  });

  it('ignores an invalid base for absolute links', () => {
    expect(canonicalUrl(' https://x.example/a ', 'not a url')).toBe('https://x.example/a');
  });

  it("returns '' for anything that is not an http(s) URL", () => {
    for (const url of ['', '   ', 'relative/only', 'javascript:alert(1)', 'mailto:a@b.example', 'ftp://x.example/f', 'http://', `https://x.example/${'a'.repeat(9000)}`]) {
      expect(canonicalUrl(url), url.slice(0, 40)).toBe('');
    }
    expect(canonicalUrl('relative/only', 'also not a url')).toBe('');
  });

  it('keeps malformed percent escapes in parameter names without throwing', () => {
    expect(canonicalUrl('https://x.example/?%E0%A4%A=1&utm_source=x')).toBe('https://x.example/?%E0%A4%A=1');
  });
});
