import { Controller, Get, Head, Inject, NotFoundException, Req, Res, ServiceUnavailableException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '../../auth';
import { LOGGER, type Logger } from '../../logging/logger';
import { SECURITY_HEADERS, assetDirectoryCandidates, findAssetDirectory, loadAssets, type Asset } from './asset-catalogue';

/**
 * The dashboard's files: `/` (the page) and `/dashboard/…` (its stylesheet and scripts). They
 * are public — nothing in them is secret; the page asks for an API token and every API call
 * it makes is authenticated.
 */
@Public()
@Controller()
export class DashboardAssetsController {
  private readonly assets: Map<string, Asset> | undefined;

  constructor(@Inject(LOGGER) logger: Logger) {
    const directory = findAssetDirectory();
    if (directory === undefined) {
      logger.warn({ module: 'dashboard', looked: assetDirectoryCandidates() }, 'dashboard files not found; / answers 503');
    }
    this.assets = directory === undefined ? undefined : loadAssets(directory);
  }

  @Get()
  @Head()
  page(@Req() request: Request, @Res() response: Response): void {
    this.serve('/', request, response);
  }

  @Get('dashboard/:file')
  @Head('dashboard/:file')
  file(@Req() request: Request, @Res() response: Response): void {
    this.serve(request.path, request, response);
  }

  @Get('dashboard/js/:file')
  @Head('dashboard/js/:file')
  script(@Req() request: Request, @Res() response: Response): void {
    this.serve(request.path, request, response);
  }

  private serve(url: string, request: Request, response: Response): void {
    if (this.assets === undefined) {
      throw new ServiceUnavailableException({
        code: 'dashboard_unavailable',
        message: `the dashboard's files were not found (looked in ${assetDirectoryCandidates().join(', ')}); install them beside the hub`,
      });
    }
    const asset = this.assets.get(url);
    if (asset === undefined) throw new NotFoundException({ code: 'not_found', message: `no dashboard file ${url.slice(0, 100)}` });
    response.set(SECURITY_HEADERS);
    response.set({ 'content-type': asset.contentType, etag: asset.etag });
    if (request.headers['if-none-match'] === asset.etag) {
      response.status(304).end();
      return;
    }
    response.status(200).end(request.method === 'HEAD' ? undefined : asset.body);
  }
}
