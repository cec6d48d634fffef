import type { Reader } from '../reader.ts';
import { accessLogReader } from './logs/clf.ts';
import { apacheErrorReader } from './logs/apache-error.ts';
import { apiGatewayReader } from './logs/aws.ts';
import { awsLbReader } from './logs/aws-lb.ts';
import { awsS3Reader } from './logs/aws-s3.ts';
import { azureApimReader } from './logs/azure-apim.ts';
import { caddyReader } from './logs/caddy.ts';
import { cloudflareReader } from './logs/cloudflare.ts';
import { envoyReader } from './logs/envoy.ts';
import { fastlyReader } from './logs/fastly.ts';
import { haproxyReader } from './logs/haproxy.ts';
import { jsonLinesReader } from './logs/jsonlines.ts';
import { kongReader } from './logs/kong.ts';
import { nginxErrorReader } from './logs/nginx-error.ts';
import { traefikJsonReader } from './logs/traefik.ts';
import { w3cReader } from './logs/w3c.ts';

/**
 * Gateway and server access-log readers (NGINX, Apache, Kong, AWS, Envoy, Traefik…). Each sniffs
 * the head and scores how well it fits; specific formats score up to ~0.95, the NGINX/Apache
 * family 0.85 and the mapped JSON-lines reader at most 0.3, so it wins only when nothing else fits.
 */
export const logReaders: readonly Reader[] = [
  accessLogReader,
  kongReader,
  apiGatewayReader,
  awsLbReader,
  awsS3Reader,
  w3cReader,
  envoyReader,
  traefikJsonReader,
  caddyReader,
  haproxyReader,
  fastlyReader,
  azureApimReader,
  cloudflareReader,
  nginxErrorReader,
  apacheErrorReader,
  jsonLinesReader,
];
