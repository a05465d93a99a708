export * from './gen/gitfleet/v1/gitfleet';
