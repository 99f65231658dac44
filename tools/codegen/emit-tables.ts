/**
 * Emits the tables: api-keys.ts (every API key with its codecs, versions and header versions),
 * errors.ts (Kafka's error codes) and the index barrel.
 */
import { Code } from './code.js';
import { generatedHeader } from './emit-module.js';
import type { MessageModel } from './model.js';
import { modulePath } from './names.js';
import type { Versions } from './versions.js';

export interface ErrorEntry {
  code: number;
  name: string;
  retriable: boolean;
  message: string | null;
}

function range(v: Versions): string {
  return v.empty ? '{ lowest: 0, highest: -1 }' : `{ lowest: ${v.lowest}, highest: ${v.highest} }`;
}

/** Kafka's header rules (ApiMessageType.requestHeaderVersion/responseHeaderVersion). */
export function requestHeaderVersion(req: MessageModel, version: number): number {
  if (req.apiKey === 7 && version === 0) return 0; // ControlledShutdown v0: header without client id
  return req.flexibleVersions.contains(version) ? 2 : 1;
}

export function responseHeaderVersion(res: MessageModel, version: number): number {
  if (res.apiKey === 18) return 0; // ApiVersions responses always use header v0 (KIP-511)
  return res.flexibleVersions.contains(version) ? 1 : 0;
}

export function emitApiKeys(models: MessageModel[]): string {
  const requests = models.filter((m) => m.type === 'request').sort((a, b) => a.apiKey! - b.apiKey!);
  const code = new Code();
  code.line(generatedHeader('spec/messages/*Request.json and *Response.json'));
  code.line("import type { MessageCodec, VersionRange } from '../primitives/codec-helpers.js';");
  const pairs = requests.map((req) => {
    const res = models.find((m) => m.type === 'response' && m.apiKey === req.apiKey)!;
    return { req, res, api: req.name.replace(/Request$/, '') };
  });
  for (const { req, res } of pairs) {
    code.line(`import * as ${req.name} from './${modulePath(req)}.js';`);
    code.line(`import * as ${res.name} from './${modulePath(res)}.js';`);
  }
  code.line();
  code.line('/** One API: its codecs, versions and header versions. */');
  code.open('export interface ApiInfo<Req = unknown, Res = unknown> {');
  code.line('readonly apiKey: number;');
  code.line("/** Kafka's name for the API: `Produce`, `Fetch`, `ApiVersions`, ... */");
  code.line('readonly name: string;');
  code.line('readonly request: MessageCodec<Req>;');
  code.line('readonly response: MessageCodec<Res>;');
  code.line('readonly validVersions: VersionRange;');
  code.line('readonly deprecatedVersions: VersionRange;');
  code.line('/** Flexible versions of the request (compact encodings, tagged fields, request header v2). */');
  code.line('readonly requestFlexibleVersions: VersionRange;');
  code.line('readonly responseFlexibleVersions: VersionRange;');
  code.line("/** Where Kafka serves the request: 'zkBroker', 'broker', 'controller'. */");
  code.line('readonly listeners: readonly string[];');
  code.line('/** The highest version is still under development in Kafka. */');
  code.line('readonly latestVersionUnstable: boolean;');
  code.line('/** Request header version at each valid version (index = API version). */');
  code.line('readonly requestHeaderVersions: readonly number[];');
  code.line('/** Response header version at each valid version (index = API version). */');
  code.line('readonly responseHeaderVersions: readonly number[];');
  code.close();
  code.line();
  code.line('/** API keys by name. */');
  code.open('export const ApiKey = {');
  for (const { req, api } of pairs) code.line(`${api}: ${req.apiKey},`);
  code.close('} as const;');
  code.line('export type ApiKey = (typeof ApiKey)[keyof typeof ApiKey];');
  code.line();
  code.line('/** Request body type per API key. */');
  code.open('export interface RequestTypes {');
  for (const { req } of pairs) code.line(`${req.apiKey}: ${req.name}.${req.name};`);
  code.close();
  code.line();
  code.line('/** Response body type per API key. */');
  code.open('export interface ResponseTypes {');
  for (const { res } of pairs) code.line(`${res.apiKey}: ${res.name}.${res.name};`);
  code.close();
  code.line();
  code.line('/** Every API, in API key order. */');
  code.open('export const APIS: readonly ApiInfo[] = [');
  for (const { req, res, api } of pairs) {
    const versions = [...req.validVersions.each()];
    code.open(`{`);
    code.line(`apiKey: ${req.apiKey},`);
    code.line(`name: ${JSON.stringify(api)},`);
    code.line(`request: ${req.name}.codec,`);
    code.line(`response: ${res.name}.codec,`);
    code.line(`validVersions: ${range(req.validVersions)},`);
    code.line(`deprecatedVersions: ${range(req.deprecatedVersions)},`);
    code.line(`requestFlexibleVersions: ${range(req.flexibleVersions)},`);
    code.line(`responseFlexibleVersions: ${range(res.flexibleVersions)},`);
    code.line(`listeners: ${JSON.stringify(req.listeners)},`);
    code.line(`latestVersionUnstable: ${req.latestVersionUnstable},`);
    const reqH = versions.map((v) => requestHeaderVersion(req, v));
    const resH = versions.map((v) => responseHeaderVersion(res, v));
    code.line(`requestHeaderVersions: [${padded(req.validVersions.lowest, reqH)}],`);
    code.line(`responseHeaderVersions: [${padded(req.validVersions.lowest, resH)}],`);
    code.close('},');
  }
  code.close('];');
  code.line();
  code.line('const BY_KEY: Array<ApiInfo | undefined> = [];');
  code.line('for (const api of APIS) BY_KEY[api.apiKey] = api;');
  code.line();
  code.line('/** The API with this key, or undefined when the key is unknown. */');
  code.open('export function apiInfo(apiKey: number): ApiInfo | undefined {');
  code.line('return BY_KEY[apiKey];');
  code.close();
  code.line();
  code.line('/**');
  code.line(' * Request header version for any version of a known API, also outside its valid versions');
  code.line(' * (to read the header of a request whose version is not supported); -1 for an unknown key.');
  code.line(' */');
  code.open('export function requestHeaderVersion(apiKey: number, apiVersion: number): number {');
  code.line('const api = BY_KEY[apiKey];');
  code.line('if (api === undefined) return -1;');
  code.line('if (apiKey === 7 && apiVersion === 0) return 0;');
  code.line('const f = api.requestFlexibleVersions;');
  code.line('return apiVersion >= f.lowest && apiVersion <= f.highest ? 2 : 1;');
  code.close();
  code.line();
  code.line('/** Response header version for any version of a known API; -1 for an unknown key. */');
  code.open('export function responseHeaderVersion(apiKey: number, apiVersion: number): number {');
  code.line('const api = BY_KEY[apiKey];');
  code.line('if (api === undefined) return -1;');
  code.line('if (apiKey === 18) return 0;');
  code.line('const f = api.responseFlexibleVersions;');
  code.line('return apiVersion >= f.lowest && apiVersion <= f.highest ? 1 : 0;');
  code.close();
  return `${code.toString()}\n`;
}

/** Versions below the lowest valid one get -1 so that the array index is the version. */
function padded(lowest: number, values: number[]): string {
  return [...Array<number>(lowest).fill(-1), ...values].join(', ');
}

export function emitErrors(errors: ErrorEntry[]): string {
  const code = new Code();
  code.line(generatedHeader('spec/errors.json'));
  code.line();
  code.line('/** A Kafka error code with the message Kafka clients show for it. */');
  code.open('export interface KafkaErrorInfo {');
  code.line('readonly code: number;');
  code.line('/** Kafka\'s name: `UNKNOWN_TOPIC_OR_PARTITION`. */');
  code.line('readonly name: string;');
  code.line('/** The default message (null for NONE). */');
  code.line('readonly message: string | null;');
  code.line('/** Clients may retry the request that failed with it. */');
  code.line('readonly retriable: boolean;');
  code.close();
  code.line();
  code.line('/** Error codes by name. */');
  code.open('export const ErrorCode = {');
  for (const e of errors) code.line(`${e.name}: ${e.code},`);
  code.close('} as const;');
  code.line('export type ErrorCodeName = keyof typeof ErrorCode;');
  code.line();
  code.line('/** Every error code, in code order. */');
  code.open('export const ERRORS: readonly KafkaErrorInfo[] = [');
  for (const e of errors) {
    code.line(`{ code: ${e.code}, name: ${JSON.stringify(e.name)}, retriable: ${e.retriable}, message: ${JSON.stringify(e.message)} },`);
  }
  code.close('];');
  code.line();
  code.line('const BY_CODE = new Map<number, KafkaErrorInfo>(ERRORS.map((e) => [e.code, e]));');
  code.line();
  code.open('export function errorInfo(code: number): KafkaErrorInfo | undefined {');
  code.line('return BY_CODE.get(code);');
  code.close();
  code.line();
  code.line('/** Kafka\'s name for a code, or `UNKNOWN_ERROR_CODE(<code>)`. */');
  code.open('export function errorName(code: number): string {');
  code.line('return BY_CODE.get(code)?.name ?? `UNKNOWN_ERROR_CODE(${code})`;');
  code.close();
  code.line();
  code.line('/** The default message for a code; unknown codes get UNKNOWN_SERVER_ERROR\'s, as in Kafka. */');
  code.open('export function errorMessage(code: number): string | null {');
  code.line('const e = BY_CODE.get(code) ?? BY_CODE.get(-1);');
  code.line('return e === undefined ? null : e.message;');
  code.close();
  code.line();
  code.open('export function isRetriable(code: number): boolean {');
  code.line('return BY_CODE.get(code)?.retriable ?? false;');
  code.close();
  return `${code.toString()}\n`;
}

export function emitIndex(models: MessageModel[]): string {
  const sorted = [...models].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const code = new Code();
  code.line(generatedHeader('spec/'));
  code.line("import type { MessageCodec } from '../primitives/codec-helpers.js';");
  for (const m of sorted) code.line(`import * as ${m.name} from './${modulePath(m)}.js';`);
  code.line();
  code.line('export {');
  for (const m of sorted) code.line(`  ${m.name},`);
  code.line('};');
  code.line("export * from './api-keys.js';");
  code.line("export * from './errors.js';");
  code.line();
  code.line('/** Every generated codec (messages, headers and internal records) by message name. */');
  code.open('export const CODECS: Readonly<Record<string, MessageCodec<unknown>>> = {');
  for (const m of sorted) code.line(`${m.name}: ${m.name}.codec,`);
  code.close('};');
  return `${code.toString()}\n`;
}
