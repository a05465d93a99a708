import { describe, expect, it } from 'vitest';
import { redactUserinfo, repoUrlProblem, stripUserinfo } from './repo-url';

describe('repository URLs', () => {
  it('strips userinfo for display and identity, keeping everything else', () => {
    expect(stripUserinfo('https://user:s3cret@git.example/org/fleet.git')).toBe('https://git.example/org/fleet.git');
    expect(stripUserinfo('https://token@git.example/fleet')).toBe('https://git.example/fleet');
    expect(stripUserinfo('file:///srv/fleet.git')).toBe('file:///srv/fleet.git');
  });

  it('redacts the userinfo of every URL inside a text', () => {
    const text = "fatal: unable to access 'https://bot:ghp_abc@git.example/a.git/': and http://x:y@h/b";
    const redacted = redactUserinfo(text);
    expect(redacted).not.toContain('ghp_abc');
    expect(redacted).not.toContain('x:y');
    expect(redacted).toContain('https://***@git.example/a.git/');
  });

  it.each([
    ['https://git.example/fleet.git', undefined],
    ['ssh://git@git.example/fleet.git', undefined],
    ['git@git.example:org/fleet.git', undefined],
    ['file:///srv/fleet.git', undefined],
    ['ext::sh -c touch% /tmp/pwned', 'not valid'],
    ['--upload-pack=touch /tmp/x', 'not valid'],
    ['ftp://git.example/fleet.git', 'scheme "ftp:" is not allowed'],
    ['', 'not valid'],
  ])('%j → %s', (url, problem) => {
    const found = repoUrlProblem(url);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  it('never echoes credentials in the problem it names', () => {
    expect(repoUrlProblem('https://u:hunter2@ bad')).not.toContain('hunter2');
  });
});
