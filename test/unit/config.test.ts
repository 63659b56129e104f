import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeUndefined();
    expect(c.port).toBe(3000);
    expect(c.maxUploadBytes).toBe(20 * 1024 * 1024);
    expect(c.maxPixels).toBe(50_000_000);
    expect(c.confirmations).toBe(2);
    expect(c.rejections).toBe(2);
    expect(c.concurrency).toBeGreaterThanOrEqual(1);
    expect(c.dataDir.endsWith('/data')).toBe(true);
    // issue 28: no proxy believed, anonymous bodies up to 40 MB
    expect(c.trustedProxies).toEqual([]);
    expect(c.maxAnonUploadBytes).toBe(40 * 1024 * 1024);
  });

  it('parses given values', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgres://u@127.0.0.1:5432/k',
      PORT: '8080',
      KINFINDER_CONCURRENCY: '3',
      KINFINDER_MAX_UPLOAD_MB: '5',
      KINFINDER_MAX_PIXELS: '1e6',
      KINFINDER_CONFIRMATIONS: '3',
      KINFINDER_REJECTIONS: '1',
      KINFINDER_TRUSTED_PROXIES: '127.0.0.1, ::1 10.0.0.0/8',
      KINFINDER_MAX_ANON_UPLOAD_MB: '25',
    });
    expect(c).toMatchObject({
      trustedProxies: ['127.0.0.1', '::1', '10.0.0.0/8'],
      maxAnonUploadBytes: 25 * 1024 * 1024,
    });
    expect(c).toMatchObject({
      databaseUrl: 'postgres://u@127.0.0.1:5432/k',
      port: 8080,
      concurrency: 3,
      maxUploadBytes: 5 * 1024 * 1024,
      maxPixels: 1_000_000,
      confirmations: 3,
      rejections: 1,
    });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['KINFINDER_CONCURRENCY', '0'],
    ['KINFINDER_MAX_PIXELS', 'lots'],
    ['KINFINDER_CONFIRMATIONS', '1.5'],
    ['DATABASE_URL', 'mysql://x'],
    ['KINFINDER_TRUSTED_PROXIES', 'proxy.example.org'],
    ['KINFINDER_TRUSTED_PROXIES', '10.0.0.0/40'],
    ['KINFINDER_MAX_ANON_UPLOAD_MB', 'forty'],
    ['KINFINDER_ADMIN_TOKEN', 'short'],
    ['KINFINDER_ADMIN_TOKEN', 'a'.repeat(24)],
    ['KINFINDER_ADMIN_TOKEN', 'passwordpasswordpassword'],
    ['KINFINDER_ADMIN_TOKEN', 'administratoradministrator'],
    ['KINFINDER_ADMIN_TOKEN', 'abcdefghijklmnopqrstuvwxyz0123456789'],
    ['KINFINDER_ADMIN_TOKEN', 'kinfinder-admin-token-2026'],
    // 16 random bytes as hex are 128 bits, but nothing tells them from 32 hex digits with a
    // pattern: the estimate asks for the documented 24 bytes.
    ['KINFINDER_ADMIN_TOKEN', '0123456789abcdef0123456789abcdef'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`invalid configuration: .*${name}`));
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      expect((err as { code: string }).code).toBe('invalid_config');
    }
  });

  it('accepts admin tokens made the documented way (24 random bytes, hex or base64)', () => {
    for (let i = 0; i < 200; i++) {
      for (const encoding of ['hex', 'base64', 'base64url'] as const) {
        const token = randomBytes(24).toString(encoding);
        expect(loadConfig({ KINFINDER_ADMIN_TOKEN: token }).adminToken).toBe(token);
      }
    }
  });

  it('says why a weak admin token is refused, without echoing it', () => {
    const weak = 'a'.repeat(30);
    expect(() => loadConfig({ KINFINDER_ADMIN_TOKEN: weak })).toThrow(/KINFINDER_ADMIN_TOKEN: is too weak .*128 bits/);
    try {
      loadConfig({ KINFINDER_ADMIN_TOKEN: weak });
    } catch (err) {
      expect(JSON.stringify(err) + String(err)).not.toContain(weak);
    }
  });

  it('keeps blobs in the data directory unless KINFINDER_BLOBS names a bucket', () => {
    const c = loadConfig({ KINFINDER_DATA_DIR: '/srv/kf' });
    expect(c.blobs).toEqual({ kind: 'fs', dir: '/srv/kf/blobs' });
    // AWS variables of another tool do not matter to a local install
    expect(loadConfig({ AWS_REGION: 'Not A Region' }).blobs.kind).toBe('fs');
  });

  it('reads the S3 store from KINFINDER_BLOBS, the endpoint and the AWS variables', () => {
    const c = loadConfig({
      KINFINDER_BLOBS: 's3://kin-photos/prod/',
      KINFINDER_S3_ENDPOINT: 'http://minio.internal:9000',
      AWS_ENDPOINT_URL: 'http://ignored:1',
      AWS_REGION: 'eu-central-1',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret/key+1',
    });
    expect(c.blobs).toEqual({
      kind: 's3',
      bucket: 'kin-photos',
      prefix: 'prod',
      endpoint: 'http://minio.internal:9000',
      region: 'eu-central-1',
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret/key+1' },
    });
    // AWS S3 itself: no endpoint, default region, and the SDK's own credential chain
    expect(loadConfig({ KINFINDER_BLOBS: 's3://kin-photos' }).blobs).toEqual({
      kind: 's3',
      bucket: 'kin-photos',
      prefix: '',
      endpoint: undefined,
      region: 'us-east-1',
      credentials: undefined,
    });
    expect(
      loadConfig({
        KINFINDER_BLOBS: 's3://b-1',
        AWS_ENDPOINT_URL_S3: 'https://s3.example.org',
        AWS_DEFAULT_REGION: 'garage',
      }).blobs,
    ).toMatchObject({ endpoint: 'https://s3.example.org', region: 'garage' });
  });

  it.each([
    [{ KINFINDER_BLOBS: '/mnt/photos' }, 'KINFINDER_BLOBS'],
    [{ KINFINDER_BLOBS: 's3://UPPER' }, 'KINFINDER_BLOBS'],
    [{ KINFINDER_BLOBS: 's3://bucket', KINFINDER_S3_ENDPOINT: 'minio:9000' }, 'KINFINDER_S3_ENDPOINT'],
    [{ KINFINDER_BLOBS: 's3://bucket', AWS_REGION: 'EU West' }, 'AWS_REGION'],
    [{ KINFINDER_BLOBS: 's3://bucket', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' }, 'AWS_SECRET_ACCESS_KEY'],
    [{ KINFINDER_BLOBS: 's3://bucket', AWS_SECRET_ACCESS_KEY: 'hush-9f8e' }, 'AWS_ACCESS_KEY_ID'],
  ])('refuses a bad S3 setting %j naming %s', (env, name) => {
    let err: { code: string; message: string } | undefined;
    try {
      loadConfig(env);
    } catch (e) {
      err = e as { code: string; message: string };
    }
    expect(err?.code).toBe('invalid_config');
    expect(err?.message).toMatch(new RegExp(`invalid configuration: .*${name}`));
    expect(err?.message).not.toContain('hush-9f8e');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(3000);
  });
});
