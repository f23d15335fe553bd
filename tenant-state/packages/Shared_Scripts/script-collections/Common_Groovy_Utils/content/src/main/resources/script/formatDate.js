function processData(message) {
    var d = new Date();
    message.setProperty("today", d.toISOString().substring(0, 10));
    return message;
}
