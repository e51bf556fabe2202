import { describe, expect, it } from 'vitest';
import type { DataStoreView } from './bindings';
import { changes, draftOf, requestOf } from './dataStoreDraft';

const server: DataStoreView = {
  kind: 'clickhouse',
  url: 'clickhouse://10.0.0.5:8123/rapport',
  user: 'ana',
  password_saved: true,
  local: 'rapport.db',
  in_use: 'clickhouse://ana@10.0.0.5:8123/rapport',
  from_command_line: false,
  unreachable: null,
  note: null,
};

describe('the data store section', () => {
  it('keeps the saved password when the field is left empty, and forgets it only when asked', () => {
    expect(requestOf(draftOf(server)).password).toBeNull();
    expect(requestOf({ ...draftOf(server), forgetPassword: true }).password).toBe('');
    expect(requestOf({ ...draftOf(server), password: 'n3w', forgetPassword: true }).password).toBe('n3w');
  });

  it('sends the address and user trimmed', () => {
    const r = requestOf({ ...draftOf(server), url: '  clickhouse://h:8123/db ', user: ' bo ' });
    expect(r).toEqual({ kind: 'clickhouse', url: 'clickhouse://h:8123/db', user: 'bo', password: null });
  });

  it('offers a switch only when it would change the store or how it is reached', () => {
    expect(changes(server, draftOf(server))).toBe(false);
    expect(changes(server, { ...draftOf(server), kind: 'this_computer' })).toBe(true);
    expect(changes(server, { ...draftOf(server), url: 'clickhouse://10.0.0.6:8123/rapport' })).toBe(true);
    expect(changes(server, { ...draftOf(server), password: 'x' })).toBe(true);
    expect(changes(server, { ...draftOf(server), forgetPassword: true })).toBe(true);
    const local: DataStoreView = { ...server, kind: 'this_computer' };
    expect(changes(local, { ...draftOf(local), url: 'clickhouse://elsewhere:8123/db' })).toBe(false);
    expect(changes({ ...server, unreachable: 'no answer' }, draftOf(server))).toBe(true);
  });
});
