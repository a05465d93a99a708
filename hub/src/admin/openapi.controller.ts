import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../auth/auth.decorators';
import { openApiDocument } from './openapi';
import { openApiPage } from './openapi-page';

/** The OpenAPI document, and a page that renders it without fetching anything from elsewhere. */
@Public()
@Controller('api/docs')
export class OpenApiController {
  private readonly document = openApiDocument();
  private readonly page = openApiPage(this.document);

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
  html(): string {
    return this.page;
  }

  @Get('openapi.json')
  json(): Record<string, unknown> {
    return this.document;
  }
}
