import { Module } from '@nestjs/common';
import { NotificationsService } from './notifications.service';

/** Outgoing webhooks on fleet events (NOTIFY_WEBHOOKS). */
@Module({ providers: [NotificationsService] })
export class NotificationsModule {}
